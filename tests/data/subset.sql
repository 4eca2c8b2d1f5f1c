-- subset.sql - the corpus of tests/integration/66_subset.sh: two databases
-- whose foreign keys have every shape a subset must follow.
--
--   store <-> staff                 a two-table cycle (both keys NOT NULL)
--   staff.manager_id -> staff       a self-reference, chains ten levels deep
--   category.parent_id -> category  a tree, six levels deep
--   promo -> campaign -> voucher -> promo   a three-table cycle
--   inventory (store_id, shelf_code) -> shelf (store_id, code)
--                                   a composite key, NULL in part
--   city.country_iso -> country.iso2      a key to a UNIQUE non-key column
--   customer.referred_by -> customer      nullable, referral chains
--   rental.staff_id, rental.promo_id      nullable keys
--   customer.account_id -> sub_billing.account   across databases
--   sub_billing.invoice.customer_id -> customer  across databases, the other way
--   tag (no key) <- film_tag (no key)    tables without primary or unique keys
--   rental_note (no key) -> rental
--   audit                            related to nothing (a trigger writes it)
--   s, bump()                        a sequence, a function that writes
--   views: rental_summary (over kept tables), audit_view (over audit),
--          audit_count (over audit_view), store_staff (over store and staff)
--
-- Loaded with the plain client as root; MariaDB's sequence engine
-- (seq_1_to_N) makes the rows.  Deterministic: no RAND().
SET FOREIGN_KEY_CHECKS = 0;
DROP DATABASE IF EXISTS sub_rent;
DROP DATABASE IF EXISTS sub_billing;
CREATE DATABASE sub_rent;
CREATE DATABASE sub_billing;

CREATE TABLE sub_billing.account (
  id INT PRIMARY KEY,
  name VARCHAR(40) NOT NULL
) ENGINE = InnoDB;

USE sub_rent;

CREATE TABLE country (
  id INT PRIMARY KEY,
  iso2 CHAR(2) NOT NULL,
  name VARCHAR(40) NOT NULL,
  UNIQUE KEY (iso2)
) ENGINE = InnoDB;

CREATE TABLE city (
  id INT PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  country_iso CHAR(2) NOT NULL,
  FOREIGN KEY (country_iso) REFERENCES country (iso2)
) ENGINE = InnoDB;

CREATE TABLE address (
  id INT PRIMARY KEY,
  line VARCHAR(60) NOT NULL,
  city_id INT NOT NULL,
  FOREIGN KEY (city_id) REFERENCES city (id)
) ENGINE = InnoDB;

CREATE TABLE store (
  id INT PRIMARY KEY,
  manager_staff_id INT NOT NULL,
  address_id INT NOT NULL,
  FOREIGN KEY (address_id) REFERENCES address (id)
) ENGINE = InnoDB;

CREATE TABLE staff (
  id INT PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  store_id INT NOT NULL,
  manager_id INT NULL,
  FOREIGN KEY (store_id) REFERENCES store (id),
  FOREIGN KEY (manager_id) REFERENCES staff (id)
) ENGINE = InnoDB;

ALTER TABLE store ADD FOREIGN KEY (manager_staff_id) REFERENCES staff (id);

CREATE TABLE category (
  id INT PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  parent_id INT NULL,
  FOREIGN KEY (parent_id) REFERENCES category (id)
) ENGINE = InnoDB;

CREATE TABLE film (
  id INT PRIMARY KEY,
  title VARCHAR(60) NOT NULL,
  category_id INT NOT NULL,
  FOREIGN KEY (category_id) REFERENCES category (id)
) ENGINE = InnoDB;

CREATE TABLE shelf (
  store_id INT NOT NULL,
  code CHAR(4) NOT NULL,
  label VARCHAR(20) NOT NULL,
  PRIMARY KEY (store_id, code),
  FOREIGN KEY (store_id) REFERENCES store (id)
) ENGINE = InnoDB;

CREATE TABLE inventory (
  id INT PRIMARY KEY,
  film_id INT NOT NULL,
  store_id INT NOT NULL,
  shelf_code CHAR(4) NULL,
  FOREIGN KEY (film_id) REFERENCES film (id),
  FOREIGN KEY (store_id, shelf_code) REFERENCES shelf (store_id, code)
) ENGINE = InnoDB;

CREATE TABLE customer (
  id INT PRIMARY KEY,
  email VARCHAR(60) NOT NULL,
  name VARCHAR(40) NOT NULL,
  address_id INT NOT NULL,
  store_id INT NOT NULL,
  referred_by INT NULL,
  account_id INT NULL,
  UNIQUE KEY (email),
  FOREIGN KEY (address_id) REFERENCES address (id),
  FOREIGN KEY (store_id) REFERENCES store (id),
  FOREIGN KEY (referred_by) REFERENCES customer (id),
  FOREIGN KEY (account_id) REFERENCES sub_billing.account (id)
) ENGINE = InnoDB;

CREATE TABLE promo (
  id INT PRIMARY KEY,
  campaign_id INT NOT NULL
) ENGINE = InnoDB;

CREATE TABLE campaign (
  id INT PRIMARY KEY,
  voucher_id INT NOT NULL
) ENGINE = InnoDB;

CREATE TABLE voucher (
  id INT PRIMARY KEY,
  promo_id INT NOT NULL,
  FOREIGN KEY (promo_id) REFERENCES promo (id)
) ENGINE = InnoDB;

ALTER TABLE promo ADD FOREIGN KEY (campaign_id) REFERENCES campaign (id);
ALTER TABLE campaign ADD FOREIGN KEY (voucher_id) REFERENCES voucher (id);

CREATE TABLE rental (
  id INT PRIMARY KEY,
  rental_date DATETIME NOT NULL,
  inventory_id INT NOT NULL,
  customer_id INT NOT NULL,
  staff_id INT NULL,
  promo_id INT NULL,
  KEY (rental_date),
  FOREIGN KEY (inventory_id) REFERENCES inventory (id),
  FOREIGN KEY (customer_id) REFERENCES customer (id),
  FOREIGN KEY (staff_id) REFERENCES staff (id),
  FOREIGN KEY (promo_id) REFERENCES promo (id)
) ENGINE = InnoDB;

CREATE TABLE payment (
  id INT PRIMARY KEY,
  rental_id INT NOT NULL,
  amount DECIMAL(8, 2) NOT NULL,
  FOREIGN KEY (rental_id) REFERENCES rental (id)
) ENGINE = InnoDB;

CREATE TABLE tag (
  name VARCHAR(20) NOT NULL,
  note VARCHAR(20) NOT NULL,
  KEY (name)
) ENGINE = InnoDB;

CREATE TABLE film_tag (
  film_id INT NOT NULL,
  tag_name VARCHAR(20) NOT NULL,
  FOREIGN KEY (film_id) REFERENCES film (id),
  FOREIGN KEY (tag_name) REFERENCES tag (name)
) ENGINE = InnoDB;

CREATE TABLE rental_note (
  rental_id INT NOT NULL,
  note VARCHAR(40) NOT NULL,
  FOREIGN KEY (rental_id) REFERENCES rental (id)
) ENGINE = InnoDB;

CREATE TABLE audit (
  id INT AUTO_INCREMENT PRIMARY KEY,
  what VARCHAR(60) NOT NULL
) ENGINE = InnoDB;

CREATE TABLE sub_billing.invoice (
  id INT PRIMARY KEY,
  customer_id INT NOT NULL,
  total DECIMAL(8, 2) NOT NULL,
  FOREIGN KEY (customer_id) REFERENCES sub_rent.customer (id)
) ENGINE = InnoDB;

-- Rows.
INSERT INTO sub_billing.account SELECT seq, CONCAT('account ', seq) FROM seq_1_to_50;
INSERT INTO country VALUES (1, 'DE', 'Germany'), (2, 'FR', 'France'), (3, 'IT', 'Italy'),
  (4, 'ES', 'Spain'), (5, 'PL', 'Poland');
INSERT INTO city SELECT seq, CONCAT('city ', seq), ELT(1 + seq % 5, 'DE', 'FR', 'IT', 'ES', 'PL')
  FROM seq_1_to_40;
INSERT INTO address SELECT seq, CONCAT(seq, ' Main Street'), 1 + seq % 40 FROM seq_1_to_1200;
INSERT INTO store VALUES (1, 1, 1), (2, 2, 2), (3, 3, 3);
-- staff 1..3 head the stores; staff k reports to k - 3: chains ten deep.
INSERT INTO staff SELECT seq, CONCAT('staff ', seq), 1 + (seq - 1) % 3, IF(seq > 3, seq - 3, NULL)
  FROM seq_1_to_30;
-- category k's parent is k div 2: a binary tree six levels deep.
INSERT INTO category SELECT seq, CONCAT('category ', seq), IF(seq > 1, seq DIV 2, NULL)
  FROM seq_1_to_40;
INSERT INTO film SELECT seq, CONCAT('film ', seq), 1 + (seq * 7) % 40 FROM seq_1_to_500;
INSERT INTO shelf SELECT s.seq, CONCAT('S', LPAD(c.seq, 3, '0')), CONCAT('shelf ', c.seq)
  FROM seq_1_to_3 s, seq_1_to_10 c;
INSERT INTO inventory SELECT seq, 1 + (seq * 13) % 500, 1 + seq % 3,
  IF(seq % 4 = 0, NULL, CONCAT('S', LPAD(1 + seq % 10, 3, '0'))) FROM seq_1_to_2000;
INSERT INTO customer SELECT seq, CONCAT('user', seq, '@example.com'), CONCAT('Customer ', seq),
  1 + seq % 1200, 1 + seq % 3, IF(seq % 3 = 0, seq - 2, NULL), IF(seq % 4 = 0, 1 + seq % 50, NULL)
  FROM seq_1_to_1000;
INSERT INTO promo SELECT seq, seq FROM seq_1_to_20;
INSERT INTO campaign SELECT seq, seq FROM seq_1_to_20;
INSERT INTO voucher SELECT seq, 1 + seq % 20 FROM seq_1_to_20;
INSERT INTO rental SELECT seq, '2024-01-01' + INTERVAL (seq * 52) MINUTE, 1 + (seq * 17) % 2000,
  1 + (seq * 31) % 1000, IF(seq % 5 = 0, NULL, 1 + seq % 30), IF(seq % 97 = 0, 1 + seq % 20, NULL)
  FROM seq_1_to_5000;
INSERT INTO payment SELECT seq, seq, 1 + (seq % 900) / 100 FROM seq_1_to_5000;
INSERT INTO tag VALUES ('new', 'a'), ('new', 'b'), ('classic', 'c'), ('cult', 'd'), ('family', 'e');
INSERT INTO film_tag SELECT seq, ELT(1 + seq % 4, 'new', 'classic', 'cult', 'family')
  FROM seq_1_to_500;
INSERT INTO rental_note SELECT seq, CONCAT('note ', seq) FROM seq_1_to_5000 WHERE seq % 7 = 0;
INSERT INTO audit (what) SELECT CONCAT('event ', seq) FROM seq_1_to_10;
INSERT INTO sub_billing.invoice SELECT seq, 1 + (seq * 37) % 1000, seq % 200 FROM seq_1_to_300;

CREATE TRIGGER rental_audit AFTER INSERT ON rental FOR EACH ROW
  INSERT INTO audit (what) VALUES (CONCAT('rental ', NEW.id));
CREATE TRIGGER payment_check BEFORE INSERT ON payment FOR EACH ROW
  SET NEW.amount = GREATEST(NEW.amount, 0);

-- For sluice.query's read-only tests: a sequence and a function that writes.
CREATE SEQUENCE s;
DELIMITER ;;
CREATE FUNCTION bump() RETURNS INT MODIFIES SQL DATA
BEGIN
  INSERT INTO audit (what) VALUES ('bumped');
  RETURN 1;
END;;
DELIMITER ;

CREATE VIEW rental_summary AS
  SELECT r.id, r.rental_date, c.name AS customer, f.title
  FROM rental r JOIN customer c ON c.id = r.customer_id
  JOIN inventory i ON i.id = r.inventory_id JOIN film f ON f.id = i.film_id;
CREATE VIEW store_staff AS
  SELECT s.id AS store, st.name FROM store s JOIN staff st ON st.id = s.manager_staff_id;
CREATE VIEW audit_view AS SELECT what FROM audit;
CREATE VIEW audit_count AS SELECT COUNT(*) AS n FROM audit_view;
SET FOREIGN_KEY_CHECKS = 1;
