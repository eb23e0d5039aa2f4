#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-imports.sh NM LIB
#
# libsscard runs where hospitals run it: Linux on x86-64 and arm64 (UOS,
# Kylin, Debian), with older C libraries than ours. So the shared library
# calls only C11 and POSIX.1-2008 functions of the C library; a Linux- or
# glibc-only call (gettid, getrandom, epoll_*, ...) where a portable one
# serves as well fails here. Also checks that LIB exports only sscard_*.
# NM is the nm of LIB's architecture (aarch64-linux-gnu-nm for arm64).
set -eu
nm=$1 lib=$2
fail=0

# The C library's functions LIB may import: C11, POSIX.1-2008, and the
# glibc internals that implement their macros, fortified variants (__X_chk),
# large-file aliases (X64) and the compiler's runtime hooks.
portable='
abort abs atexit atoi atol bsearch calloc exit free getenv labs malloc qsort realloc
strtod strtol strtoll strtoul strtoull
memchr memcmp memcpy memmove memset strcat strchr strcmp strcoll strcpy strcspn
strerror strlen strncat strncmp strncpy strpbrk strrchr strspn strstr strtok
clearerr fclose feof ferror fflush fgetc fgets fopen fprintf fputc fputs fread
fseek ftell fwrite getc perror printf putc putchar puts remove rename setvbuf
snprintf sprintf sscanf vfprintf vprintf vsnprintf vsprintf
clock difftime gmtime localtime mktime strftime time raise signal setlocale
clock_gettime nanosleep gmtime_r localtime_r strdup strndup strnlen strtok_r
strcasecmp strncasecmp strerror_r getline fdopen fileno isatty mkstemp
open close read write lseek fstat stat lstat fcntl poll select pipe dup dup2
unlink access realpath opendir readdir closedir sysconf sched_yield
getpid getppid getuid geteuid getgid getegid kill
sigaction sigemptyset sigaddset sigprocmask pthread_sigmask
pthread_create pthread_join pthread_detach pthread_self pthread_equal pthread_once
pthread_mutex_init pthread_mutex_destroy pthread_mutex_lock pthread_mutex_trylock
pthread_mutex_unlock pthread_cond_init pthread_cond_destroy pthread_cond_wait
pthread_cond_timedwait pthread_cond_signal pthread_cond_broadcast
pthread_key_create pthread_key_delete pthread_getspecific pthread_setspecific
pthread_attr_init pthread_attr_destroy
iconv iconv_open iconv_close dlopen dlsym dlclose dlerror
socket connect bind listen accept send recv setsockopt getsockopt shutdown
getaddrinfo freeaddrinfo inet_pton inet_ntop
__errno_location __ctype_b_loc __ctype_tolower_loc __ctype_toupper_loc
__assert_fail __stack_chk_fail __stack_chk_guard __cxa_finalize __cxa_atexit __getauxval
'

imports=$("$nm" -D --undefined-only "$lib" | awk '{print $NF}' | grep '@GLIBC_' | sed 's/@.*//' | sort -u)
[ -n "$imports" ] || { echo "check-imports: $lib imports nothing from glibc (wrong nm?)" >&2; exit 1; }
for sym in $imports; do
	name=$(printf '%s\n' "$sym" | sed -e 's/^__isoc99_//' -e 's/^__\(.*\)_chk$/\1/')
	case $name in
	fopen64|open64|fstat64|stat64|lstat64|lseek64|mkstemp64|readdir64|fcntl64) name=${name%64} ;;
	esac
	case " $(echo $portable) " in
	*" $name "*) ;;
	*) echo "check-imports: $lib calls $sym, not a C11 or POSIX.1-2008 function: use a portable one" >&2
	   fail=1 ;;
	esac
done

exports=$("$nm" -D --defined-only "$lib" | awk '{print $NF}' | grep -v -e '^sscard_' -e '^SSCARD_[0-9]*$' || true)
if [ -n "$exports" ]; then
	echo "check-imports: $lib exports symbols outside sscard_*:" $exports >&2
	fail=1
fi
[ "$fail" -eq 0 ] && echo "check-imports: $lib: $(echo $imports | wc -w) C library imports, all portable; exports only sscard_*"
exit "$fail"
