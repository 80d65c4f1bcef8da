/* dynbuf.c - the growable buffer with a declared maximum (see dynbuf.h). */
#include "core/dynbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"

void dynbuf_init(struct dynbuf *d, size_t max)
{
	memset(d, 0, sizeof *d);
	d->max = max < SIZE_MAX ? max : SIZE_MAX - 1;
}

/* Room for n more bytes plus the NUL; a failure sticks. */
int dynbuf_reserve(struct dynbuf *d, size_t n)
{
	if (d->err)
		return d->err;
	if (d->len > d->max || n > d->max - d->len) {
		d->err = EMU_ELIMIT;
		return d->err;
	}
	size_t need = d->len + n + 1;   /* <= max + 1: cannot overflow */
	if (d->p && need <= d->cap)
		return EMU_OK;
	size_t cap = d->cap ? d->cap : DYNBUF_INIT_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > d->max + 1)
		cap = d->max + 1;
	char *p = realloc(d->p, cap);
	if (!p) {
		d->err = EMU_ENOMEM;
		return d->err;
	}
	if (!d->p)
		p[0] = '\0';
	d->p = p;
	d->cap = cap;
	return EMU_OK;
}

int dynbuf_added(struct dynbuf *d, size_t n)
{
	if (d->err || !d->p || n > d->cap - d->len - 1)
		return EMU_EINVAL;
	d->len += n;
	d->p[d->len] = '\0';
	return EMU_OK;
}

int dynbuf_add(struct dynbuf *d, const void *data, size_t n)
{
	int rc = dynbuf_reserve(d, n);
	if (rc)
		return rc;
	if (n)
		memcpy(d->p + d->len, data, n);
	return dynbuf_added(d, n);
}

int dynbuf_addstr(struct dynbuf *d, const char *s)
{
	return dynbuf_add(d, s, strlen(s));
}

int dynbuf_vaddf(struct dynbuf *d, const char *fmt, va_list ap)
{
	char tmp[512];
	va_list again;
	if (d->err)
		return d->err;
	va_copy(again, ap);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	int rc;
	if (n < 0) {
		d->err = EMU_EINTERNAL;
		rc = d->err;
	} else if ((size_t)n < sizeof tmp) {
		rc = dynbuf_add(d, tmp, (size_t)n);
	} else if ((rc = dynbuf_reserve(d, (size_t)n)) == EMU_OK) {
		vsnprintf(d->p + d->len, (size_t)n + 1, fmt, again);
		rc = dynbuf_added(d, (size_t)n);
	}
	va_end(again);
	return rc;
}

int dynbuf_addf(struct dynbuf *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = dynbuf_vaddf(d, fmt, ap);
	va_end(ap);
	return rc;
}

int dynbuf_addbuf(struct dynbuf *d, const struct dynbuf *src)
{
	if (src->err) {
		if (!d->err)
			d->err = src->err;
		return d->err;
	}
	return dynbuf_add(d, src->p, src->len);
}

int dynbuf_setlen(struct dynbuf *d, size_t len)
{
	if (len > d->len)
		return EMU_EINVAL;
	d->len = len;
	if (d->p)
		d->p[len] = '\0';
	return EMU_OK;
}

void dynbuf_reset(struct dynbuf *d)
{
	d->len = 0;
	d->err = 0;
	if (d->p)
		d->p[0] = '\0';
}

const char *dynbuf_str(const struct dynbuf *d)
{
	return d->p ? d->p : "";
}

int dynbuf_error(const struct dynbuf *d)
{
	return d->err;
}

int dynbuf_take(struct dynbuf *d, char **out, size_t *len)
{
	int rc = d->err;
	*out = NULL;
	if (len)
		*len = 0;
	if (!rc && !d->p)
		rc = dynbuf_reserve(d, 0);
	if (rc) {
		dynbuf_free(d);
		return rc;
	}
	*out = d->p;
	if (len)
		*len = d->len;
	d->p = NULL;
	d->len = d->cap = 0;
	return EMU_OK;
}

void dynbuf_free(struct dynbuf *d)
{
	free(d->p);
	d->p = NULL;
	d->len = d->cap = 0;
	d->err = 0;
}
