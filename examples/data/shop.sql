-- shop.sql - a small shop database for examples/demo: customers, products,
-- orders and their items (foreign keys), an audit log filled by a trigger,
-- and a view.  A few hundred rows, generated in SQL with MariaDB's Sequence
-- engine (seq_1_to_N), the same on every load except audit_log.at.
--
-- Load:  mariadb < examples/data/shop.sql   (drops and recreates `shop`)

SET NAMES utf8mb4;
DROP DATABASE IF EXISTS shop;
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE shop;

CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(255) NOT NULL,
  name VARCHAR(100) NOT NULL,
  country CHAR(2) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uk_email (email)
) ENGINE=InnoDB;

CREATE TABLE products (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sku VARCHAR(32) NOT NULL,
  name VARCHAR(200) NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  stock INT NOT NULL DEFAULT 0,
  attributes JSON NULL,
  UNIQUE KEY uk_sku (sku)
) ENGINE=InnoDB;

CREATE TABLE orders (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
  created_at DATETIME NOT NULL,
  total DECIMAL(12,2) NOT NULL DEFAULT 0,
  KEY k_customer (customer_id),
  KEY k_created (created_at),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE order_items (
  order_id INT UNSIGNED NOT NULL,
  line SMALLINT UNSIGNED NOT NULL,
  product_id INT UNSIGNED NOT NULL,
  quantity SMALLINT UNSIGNED NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (order_id, line),
  CONSTRAINT fk_items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
  CONSTRAINT fk_items_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB;

CREATE TABLE audit_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  table_name VARCHAR(64) NOT NULL,
  row_id INT UNSIGNED NOT NULL,
  action VARCHAR(16) NOT NULL,
  detail VARCHAR(255) NULL
) ENGINE=InnoDB;

-- Every change of an order's status is logged.
DELIMITER ;;
CREATE TRIGGER orders_status_audit AFTER UPDATE ON orders FOR EACH ROW
BEGIN
  IF NEW.status <> OLD.status THEN
    INSERT INTO audit_log (table_name, row_id, action, detail)
    VALUES ('orders', NEW.id, 'status', CONCAT(OLD.status, ' -> ', NEW.status));
  END IF;
END;;
DELIMITER ;

INSERT INTO customers (email, name, country, created_at)
SELECT CONCAT('customer', seq, '@example.test'),
       CONCAT(ELT(1 + seq % 8, 'Ada', 'Björn', 'Chloé', 'Dmitri', 'Eun-ji', 'François', 'Grace', 'Hiro'),
              ' ', ELT(1 + seq % 5, 'Lovelace', 'Nilsson', 'Dubois', 'Ivanov', 'Tanaka')),
       ELT(1 + seq % 6, 'DE', 'FR', 'SE', 'JP', 'US', 'KR'),
       '2024-01-01 08:00:00' + INTERVAL seq * 7 HOUR + INTERVAL seq * 1234 MICROSECOND
FROM seq_1_to_200;

INSERT INTO products (sku, name, price, stock, attributes)
SELECT CONCAT('SKU-', LPAD(seq, 5, '0')),
       CONCAT(ELT(1 + seq % 5, 'Coffee mug', 'Notebook', 'Desk lamp', 'Headphones', 'Backpack'), ' #', seq),
       4.99 + (seq * 37) % 200,
       (seq * 13) % 100,
       JSON_OBJECT('color', ELT(1 + seq % 4, 'red', 'green', 'blue', 'black'), 'weight_g', 100 + (seq * 17) % 900)
FROM seq_1_to_50;

INSERT INTO orders (customer_id, status, created_at)
SELECT 1 + (seq * seq + 3 * seq) % 200, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'),
       '2024-03-01 00:00:00' + INTERVAL seq * 5 HOUR
FROM seq_1_to_400;

INSERT INTO order_items (order_id, line, product_id, quantity, unit_price)
SELECT o.id, l.seq, p.id, 1 + (o.id + l.seq) % 4, p.price
FROM orders o
JOIN seq_1_to_3 l ON l.seq <= 1 + o.id % 3
JOIN products p ON p.id = 1 + (o.id * 3 + l.seq * 11) % 50;

UPDATE orders o SET total = (SELECT SUM(i.quantity * i.unit_price) FROM order_items i WHERE i.order_id = o.id);

-- Ship some paid orders: the trigger writes the audit log.
UPDATE orders SET status = 'shipped' WHERE status = 'paid' AND id % 10 = 1;

CREATE VIEW customer_revenue AS
SELECT c.id, c.name, c.country, COUNT(o.id) AS orders, COALESCE(SUM(o.total), 0) AS revenue
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
GROUP BY c.id, c.name, c.country;
