DROP INDEX organisations_one_per_licence;
DROP TABLE eligibility;
