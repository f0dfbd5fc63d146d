DROP TABLE web_sessions;
DROP TABLE sign_in_links;
