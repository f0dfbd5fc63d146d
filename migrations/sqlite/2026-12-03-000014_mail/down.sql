DROP TABLE mail_tokens;
DROP TABLE mail_outbox;
