-- A database exercising what mariadb-dump/mariadb must carry: utf8mb4 text (emoji), binary
-- columns, JSON, decimals, dates, triggers, procedures, functions, events, views, indexes.
CREATE TABLE items (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  body TEXT CHARACTER SET utf8mb4,
  bin VARBINARY(64),
  blobby LONGBLOB,
  doc JSON,
  price DECIMAL(20, 6),
  at DATETIME(6),
  flag ENUM('a', 'b', 'c'),
  updated_at DATETIME NULL,
  KEY name_idx (name),
  FULLTEXT KEY body_ft (body)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE audit (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  item_id INT,
  note VARCHAR(100),
  CONSTRAINT audit_item FOREIGN KEY (item_id) REFERENCES items (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE `odd name` (k INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB;
CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW SET NEW.updated_at = '2024-01-01 00:00:00';
CREATE TRIGGER items_audit AFTER INSERT ON items FOR EACH ROW INSERT INTO audit (item_id, note) VALUES (NEW.id, CONCAT('new ', NEW.name));
DELIMITER ;;
CREATE PROCEDURE add_items(IN n INT)
BEGIN
  DECLARE i INT DEFAULT 0;
  WHILE i < n DO
    INSERT INTO items (name, body, bin, blobby, doc, price, at, flag)
    VALUES (
      CONCAT('item ', i, IF(i % 50 = 0, ' 😀 ünïcödé 漢字', '')),
      IF(i % 7 = 0, NULL, REPEAT(CONCAT('text ', i, ' \'quoted\' "double" \\ back\nline '), 3)),
      UNHEX(CONCAT(MD5(i), '00FF00')),
      IF(i % 100 = 0, RANDOM_BYTES(1024), NULL),
      JSON_OBJECT('i', i, 'arr', JSON_ARRAY(i, i * 2), 's', 'é😀'),
      i * 1234.567891,
      TIMESTAMP('2020-01-01') + INTERVAL i * 37 MINUTE + INTERVAL i MICROSECOND,
      ELT(1 + i % 3, 'a', 'b', 'c'));
    SET i = i + 1;
  END WHILE;
END ;;
CREATE FUNCTION item_total() RETURNS DECIMAL(30, 6) READS SQL DATA
BEGIN
  RETURN (SELECT SUM(price) FROM items);
END ;;
DELIMITER ;
CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 03:00:00' DISABLE DO DELETE FROM audit WHERE id < 0;
CREATE VIEW cheap_items AS SELECT id, name, price FROM items WHERE price < 10000;
CALL add_items(2000);
UPDATE items SET name = CONCAT(name, ' (edited)') WHERE id % 100 = 0;
INSERT INTO `odd name` VALUES (1, 'x'), (2, 'y');
