DROP TABLE hires;
