dnl sl_deps.m4 - find the libraries sluice links against through pkg-config;
dnl a missing one stops configure with the Debian package that provides it.
AC_DEFUN([SL_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$3 not found (pkg-config: $2); on Debian: apt-get install $4])])
])
AC_DEFUN([SL_CHECK_DEPS], [
  dnl Lua's pkg-config name differs between distributions.
  PKG_CHECK_MODULES([LUA], [lua5.4], [],
    [PKG_CHECK_MODULES([LUA], [lua-5.4], [],
      [PKG_CHECK_MODULES([LUA], [lua >= 5.4], [],
        [AC_MSG_ERROR([Lua 5.4 not found (pkg-config: lua5.4, lua-5.4 or lua); on Debian: apt-get install liblua5.4-dev])])])])
  SL_REQUIRE_PKG([MARIADB], [libmariadb], [MariaDB Connector/C], [libmariadb-dev])
  SL_REQUIRE_PKG([ARCHIVE], [libarchive], [libarchive], [libarchive-dev])
  SL_REQUIRE_PKG([PCRE2], [libpcre2-8], [PCRE2], [libpcre2-dev])
  SL_REQUIRE_PKG([MHD], [libmicrohttpd >= 0.9.71], [GNU libmicrohttpd], [libmicrohttpd-dev])
  SL_REQUIRE_PKG([JSONC], [json-c >= 0.13], [json-c], [libjson-c-dev])
  SL_REQUIRE_PKG([XXHASH], [libxxhash >= 0.8], [xxHash], [libxxhash-dev])
  dnl Object storage: HTTP and AWS Signature V4 (CURLOPT_AWS_SIGV4, 7.75+)
  dnl and the XML of S3's answers.
  SL_REQUIRE_PKG([CURL], [libcurl >= 7.75], [libcurl], [libcurl4-openssl-dev])
  SL_REQUIRE_PKG([XML], [libxml-2.0 >= 2.9], [libxml2], [libxml2-dev])
  dnl SHA-256: the masking kit (the same digest as the server's SHA2()) and
  dnl the payloads sent to object storage.
  dnl zstd for a tar archive, called directly: its threads' job size.
  SL_REQUIRE_PKG([ZSTD], [libzstd >= 1.4.5], [zstd], [libzstd-dev])
  SL_REQUIRE_PKG([CRYPTO], [libcrypto >= 1.1], [OpenSSL's libcrypto (SHA-256)], [libssl-dev])
])
