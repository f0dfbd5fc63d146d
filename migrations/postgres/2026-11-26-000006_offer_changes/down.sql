DROP TABLE offer_changes;
