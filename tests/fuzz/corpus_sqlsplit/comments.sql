-- sluice stream 1 0.1.0
-- sluice frame 123 db.t.00000.sql
#!/comment
--no space at the start of a statement
SELECT 1 -- x;y
, 2; SELECT 3 # z;
; SELECT /* ; it's */ 4 /* a */ /* b */ ;
SELECT 1--1; SELECT 1 --- c;
;
/*!40101 SET NAMES binary*/;
/*M!100101 SET @a='x;y' */;
/*!40101 SET @a=1; */;
SELECT /*+ hint */ 1 /*/ ; */;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `t;r` BEFORE INSERT ON `t` FOR EACH ROW BEGIN SET NEW.a='x;y'; END */;
SELECT 2 --