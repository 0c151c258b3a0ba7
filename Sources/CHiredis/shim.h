#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H

#include <hiredis/hiredis.h>
#include <sys/time.h>

// Swift sees `redisContext.errstr` as a 128-element tuple; a pointer reads it as a C string.
static inline const char *chiredis_errstr(const redisContext *context) {
    return context->errstr;
}

// `struct timeval` spelled from milliseconds, so Swift code does not depend on its field types.
static inline struct timeval chiredis_timeval(long milliseconds) {
    struct timeval tv;
    tv.tv_sec = milliseconds / 1000;
    tv.tv_usec = (milliseconds % 1000) * 1000;
    return tv;
}

#endif
