DROP TABLE occupation_groups;
DROP TABLE municipalities;
DROP TABLE prefectures;
