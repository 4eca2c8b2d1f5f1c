/*!40101 SET NAMES utf8mb4*/;
/*!40014 SET FOREIGN_KEY_CHECKS=0*/;
/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'*/;
/*!40103 SET TIME_ZONE='+00:00'*/;
USE `fidelity`;
CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `fidelity`.`a_view_top` AS select `z_view_base`.`id` AS `id`,`z_view_base`.`name` AS `name`,`z_view_base`.`nchildren` AS `nchildren` from `fidelity`.`z_view_base` where `z_view_base`.`nchildren` >= 5;
