# AX_CHECK_CFLAG(FLAG, [ACTION-IF-OK], [ACTION-IF-NOT])
# Check that the C compiler accepts FLAG (warnings as errors while testing).
AC_DEFUN([AX_CHECK_CFLAG], [
	AC_MSG_CHECKING([whether $CC accepts $1])
	ax_save_CFLAGS=$CFLAGS
	ax_save_LDFLAGS=$LDFLAGS
	CFLAGS="$CFLAGS $1 -Werror"
	LDFLAGS="$LDFLAGS $1"
	AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
		[AC_MSG_RESULT([yes]); $2],
		[AC_MSG_RESULT([no]); $3])
	CFLAGS=$ax_save_CFLAGS
	LDFLAGS=$ax_save_LDFLAGS
])

# POSTERN_OPTIONAL_LIB(NAME, VAR, PKG-SPEC, DESCRIPTION)
# --with-NAME=auto|yes|no. Sets with_NAME to yes or no, VAR_CFLAGS/VAR_LIBS,
# HAVE_VAR in config.h and the AM_CONDITIONAL HAVE_VAR. "yes" and the
# library missing is an error, not a warning.
AC_DEFUN([POSTERN_OPTIONAL_LIB], [
	AC_ARG_WITH([$1],
		[AS_HELP_STRING([--with-$1=auto|yes|no], [use $4 (default: auto)])],
		[], [with_$1=auto])
	AS_CASE([$with_$1],
		[auto|yes|no], [],
		[AC_MSG_ERROR([--with-$1 takes auto, yes or no, not "$with_$1"])])
	AS_IF([test "x$with_$1" != xno], [
		PKG_CHECK_MODULES([$2], [$3], [with_$1=yes], [
			AS_IF([test "x$with_$1" = xyes],
				[AC_MSG_ERROR([--with-$1=yes but $3 was not found: $$2_PKG_ERRORS])])
			with_$1=no
		])
	])
	AS_IF([test "x$with_$1" = xyes],
		[AC_DEFINE([HAVE_$2], [1], [Define to 1 to use $4.])])
	AM_CONDITIONAL([HAVE_$2], [test "x$with_$1" = xyes])
])
