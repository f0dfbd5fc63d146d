DROP TABLE qi_scheme;
DROP TABLE qi_classes;
DROP TABLE qi_pending;
DROP TABLE seeker_classes;
