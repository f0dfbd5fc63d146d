DROP TABLE qi_scheme;
DROP TABLE qi_classes;
DROP TABLE seeker_classes;
