dnl sl_warnings.m4 - compiler warnings, always on; --enable-werror makes them fatal (CI).
AC_DEFUN([SL_WARNINGS], [
  SL_CFLAGS="-Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wvla"
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
    [], [enable_werror=no])
  AS_IF([test "x$enable_werror" = xyes], [SL_CFLAGS="$SL_CFLAGS -Werror"])
  AC_SUBST([SL_CFLAGS])
])
