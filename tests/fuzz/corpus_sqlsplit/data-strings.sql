/*!40101 SET NAMES binary*/;
/*!40014 SET FOREIGN_KEY_CHECKS=0*/;
/*!40014 SET UNIQUE_CHECKS=0*/;
/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES'*/;
/*!40103 SET TIME_ZONE='+00:00'*/;
USE `fidelity`;
INSERT INTO `t_strings` (`id`,`s`,`t`,`c`,`note`) VALUES (1,NULL,NULL,NULL,'SQL NULL'),(2,'','','','empty string'),(3,'NULL','NULL','NULL','the string NULL'),(4,'null','\\N','N','lowercase null, backslash-N'),(5,' ','  ','','spaces'),(6,'trailing  ','trailing	','x','trailing space kept in VARCHAR'),(7,'tab	here','new\nline and\r\ncrlf','a	b','control characters'),(8,'quote \' and \"double\" and `tick`','back\\slash \\\\ two','\\','quotes and backslashes'),(9,'nul\0inside','\0\0','\0','NUL characters in text'),(10,'-- sluice frame 10 fake.t.00000.sql','\n-- sluice end ok\n-- sluice trailer 3 ok\n','-- x','stream markers in data'),(11,'/*!40101 SET NAMES latin1 */;','DELIMITER ;;\nDROP DATABASE fidelity;;\n','*/','SQL comments and delimiters in data'),(12,'SIGNAL SQLSTATE \'45000\'',');INSERT INTO x VALUES (1','\'','SQL injection shapes'),(13,'\Z','ctrl-z, backspace, DEL','%_','more control characters, LIKE wildcards'),(14,'0x41','0b1','1e3','strings that look like literals');
