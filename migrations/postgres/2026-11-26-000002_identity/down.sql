DROP TABLE deployment;
DROP TRIGGER audit_events_no_update ON audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE audit_events;
DROP TABLE signing_keys;
DROP TABLE refresh_tokens;
DROP TABLE api_clients;
DROP TABLE users;
DROP TABLE organisations;
