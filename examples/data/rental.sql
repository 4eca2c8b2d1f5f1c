-- rental.sql - a film rental database for examples/jobs/refresh_test.lua:
-- stores, their staff and managers, films in a category tree, inventory,
-- customers who refer each other, rentals and payments.  Its foreign keys
-- are what real schemas have and what a subset must follow:
--
--   store.manager_staff_id -> staff, staff.store_id -> store   a cycle
--   staff.manager_id -> staff                    a chain of managers
--   category.parent_id -> category               a tree
--   customer.referred_by -> customer             referrals (nullable)
--   city.country_iso -> country.iso2             a key to a UNIQUE column
--
-- Personal data to mask: customers' and staff's emails (UNIQUE), names,
-- phones, birth dates, salaries, and contact details inside a JSON column.
-- About 60,000 rows, generated in SQL with MariaDB's Sequence engine
-- (seq_1_to_N), the same on every load.
--
-- Load:  mariadb < examples/data/rental.sql   (drops and recreates `rental`)

SET NAMES utf8mb4;
SET FOREIGN_KEY_CHECKS = 0;
DROP DATABASE IF EXISTS rental;
CREATE DATABASE rental CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE rental;

CREATE TABLE country (
  id SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
  iso2 CHAR(2) NOT NULL,
  name VARCHAR(50) NOT NULL,
  UNIQUE KEY uk_iso2 (iso2)
) ENGINE=InnoDB;

CREATE TABLE city (
  id SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  country_iso CHAR(2) NOT NULL,
  CONSTRAINT fk_city_country FOREIGN KEY (country_iso) REFERENCES country (iso2)
) ENGINE=InnoDB;

CREATE TABLE address (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  line VARCHAR(100) NOT NULL,
  city_id SMALLINT UNSIGNED NOT NULL,
  CONSTRAINT fk_address_city FOREIGN KEY (city_id) REFERENCES city (id)
) ENGINE=InnoDB;

CREATE TABLE store (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  manager_staff_id INT UNSIGNED NOT NULL,
  address_id INT UNSIGNED NOT NULL,
  CONSTRAINT fk_store_address FOREIGN KEY (address_id) REFERENCES address (id)
) ENGINE=InnoDB;

CREATE TABLE staff (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(100) NOT NULL,
  store_id TINYINT UNSIGNED NOT NULL,
  manager_id INT UNSIGNED NULL,
  salary DECIMAL(9,2) NOT NULL,
  UNIQUE KEY uk_staff_email (email),
  CONSTRAINT fk_staff_store FOREIGN KEY (store_id) REFERENCES store (id),
  CONSTRAINT fk_staff_manager FOREIGN KEY (manager_id) REFERENCES staff (id)
) ENGINE=InnoDB;

ALTER TABLE store ADD CONSTRAINT fk_store_manager FOREIGN KEY (manager_staff_id) REFERENCES staff (id);

CREATE TABLE category (
  id SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  parent_id SMALLINT UNSIGNED NULL,
  CONSTRAINT fk_category_parent FOREIGN KEY (parent_id) REFERENCES category (id)
) ENGINE=InnoDB;

CREATE TABLE film (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  title VARCHAR(100) NOT NULL,
  category_id SMALLINT UNSIGNED NOT NULL,
  rate DECIMAL(4,2) NOT NULL,
  CONSTRAINT fk_film_category FOREIGN KEY (category_id) REFERENCES category (id)
) ENGINE=InnoDB;

CREATE TABLE inventory (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  film_id INT UNSIGNED NOT NULL,
  store_id TINYINT UNSIGNED NOT NULL,
  CONSTRAINT fk_inventory_film FOREIGN KEY (film_id) REFERENCES film (id),
  CONSTRAINT fk_inventory_store FOREIGN KEY (store_id) REFERENCES store (id)
) ENGINE=InnoDB;

CREATE TABLE customer (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  email VARCHAR(100) NOT NULL,
  name VARCHAR(100) NOT NULL,
  phone VARCHAR(30) NOT NULL,
  birth_date DATE NOT NULL,
  address_id INT UNSIGNED NOT NULL,
  store_id TINYINT UNSIGNED NOT NULL,
  referred_by INT UNSIGNED NULL,
  contacts JSON NULL,
  UNIQUE KEY uk_customer_email (email),
  CONSTRAINT fk_customer_address FOREIGN KEY (address_id) REFERENCES address (id),
  CONSTRAINT fk_customer_store FOREIGN KEY (store_id) REFERENCES store (id),
  CONSTRAINT fk_customer_referrer FOREIGN KEY (referred_by) REFERENCES customer (id)
) ENGINE=InnoDB;

CREATE TABLE rental (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  rental_date DATETIME NOT NULL,
  inventory_id INT UNSIGNED NOT NULL,
  customer_id INT UNSIGNED NOT NULL,
  staff_id INT UNSIGNED NULL,
  return_date DATETIME NULL,
  KEY idx_rental_date (rental_date),
  CONSTRAINT fk_rental_inventory FOREIGN KEY (inventory_id) REFERENCES inventory (id),
  CONSTRAINT fk_rental_customer FOREIGN KEY (customer_id) REFERENCES customer (id),
  CONSTRAINT fk_rental_staff FOREIGN KEY (staff_id) REFERENCES staff (id)
) ENGINE=InnoDB;

CREATE TABLE payment (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  rental_id INT UNSIGNED NOT NULL,
  customer_id INT UNSIGNED NOT NULL,
  amount DECIMAL(6,2) NOT NULL,
  paid_at DATETIME NOT NULL,
  CONSTRAINT fk_payment_rental FOREIGN KEY (rental_id) REFERENCES rental (id),
  CONSTRAINT fk_payment_customer FOREIGN KEY (customer_id) REFERENCES customer (id)
) ENGINE=InnoDB;

INSERT INTO country VALUES (1, 'DE', 'Germany'), (2, 'FR', 'France'), (3, 'IT', 'Italy'),
  (4, 'ES', 'Spain'), (5, 'PL', 'Poland'), (6, 'NL', 'Netherlands');
INSERT INTO city SELECT seq, CONCAT('City ', seq), ELT(1 + seq % 6, 'DE', 'FR', 'IT', 'ES', 'PL', 'NL')
  FROM seq_1_to_60;
INSERT INTO address SELECT seq, CONCAT(seq, ' Station Road'), 1 + seq % 60 FROM seq_1_to_2500;
INSERT INTO store VALUES (1, 1, 1), (2, 2, 2), (3, 3, 3), (4, 4, 4);
-- Staff 1..4 manage the stores; staff k reports to k - 4: chains of ten.
INSERT INTO staff SELECT seq, CONCAT('Staff Member ', seq), CONCAT('staff', seq, '@rental.example'),
  1 + (seq - 1) % 4, IF(seq > 4, seq - 4, NULL), 2000 + (seq * 37) % 3000 FROM seq_1_to_40;
-- A category tree: k's parent is k div 3.
INSERT INTO category SELECT seq, CONCAT('Category ', seq), IF(seq > 1, seq DIV 3 + (seq DIV 3 = 0), NULL)
  FROM seq_1_to_60;
INSERT INTO film SELECT seq, CONCAT('Film ', seq), 1 + (seq * 7) % 60, 0.99 + (seq % 5) FROM seq_1_to_1000;
INSERT INTO inventory SELECT seq, 1 + (seq * 13) % 1000, 1 + seq % 4 FROM seq_1_to_4000;
INSERT INTO customer SELECT seq, CONCAT('customer', seq, '@mail.example'), CONCAT('Customer ', seq),
  CONCAT('+49 30 ', LPAD(seq * 7919 % 10000000, 7, '0')), '1950-01-01' + INTERVAL (seq * 97) % 18000 DAY,
  1 + seq % 2500, 1 + seq % 4, IF(seq % 4 = 0 AND seq > 4, seq - 3, NULL),
  IF(seq % 3 = 0, JSON_OBJECT('newsletter', seq % 2 = 0, 'contacts',
    JSON_ARRAY(JSON_OBJECT('kind', 'mobile', 'phone', CONCAT('+49 170 ', seq)))), NULL)
  FROM seq_1_to_2000;
INSERT INTO rental SELECT seq, '2025-01-01' + INTERVAL seq * 23 MINUTE, 1 + (seq * 17) % 4000,
  1 + (seq * 31) % 2000, IF(seq % 9 = 0, NULL, 1 + seq % 40),
  IF(seq % 10 = 0, NULL, '2025-01-01' + INTERVAL seq * 23 + 4320 MINUTE) FROM seq_1_to_20000;
INSERT INTO payment SELECT seq, 1 + (seq - 1) DIV 2 * 2, 1 + ((1 + (seq - 1) DIV 2 * 2) * 31) % 2000,
  0.99 + (seq % 700) / 100, '2025-01-02' + INTERVAL seq * 11 MINUTE FROM seq_1_to_20000;

CREATE VIEW customer_list AS
  SELECT c.id, c.name, a.line, ci.name AS city, co.name AS country
  FROM customer c JOIN address a ON a.id = c.address_id JOIN city ci ON ci.id = a.city_id
  JOIN country co ON co.iso2 = ci.country_iso;
CREATE VIEW staff_list AS
  SELECT s.id, s.name, s.store_id, m.name AS manager FROM staff s LEFT JOIN staff m ON m.id = s.manager_id;
SET FOREIGN_KEY_CHECKS = 1;
