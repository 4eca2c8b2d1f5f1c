dnl sl_sanitizers.m4 - optional AddressSanitizer+UBSan or ThreadSanitizer builds for the test suite.
AC_DEFUN([SL_SANITIZERS], [
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers=asan|tsan], [build with AddressSanitizer+UBSan (asan) or ThreadSanitizer (tsan)])],
    [], [enable_sanitizers=no])
  SL_SAN_FLAGS=""
  AS_CASE([$enable_sanitizers],
    [asan|yes], [SL_SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"],
    [tsan], [SL_SAN_FLAGS="-fsanitize=thread -fno-omit-frame-pointer"],
    [no], [],
    [AC_MSG_ERROR([--enable-sanitizers takes asan or tsan])])
  CFLAGS="$CFLAGS $SL_SAN_FLAGS"
  LDFLAGS="$LDFLAGS $SL_SAN_FLAGS"
])
