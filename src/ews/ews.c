/* ews.c - ResponseClass names and status helpers. */
#include "ews/ews.h"

const char *ews_class_name(enum ews_class c)
{
	switch (c) {
	case EWS_SUCCESS: return "Success";
	case EWS_WARNING: return "Warning";
	case EWS_ERROR: return "Error";
	}
	return "Error";
}

void ews_status_ok(struct ews_status *st)
{
	st->cls = EWS_SUCCESS;
	st->code = EWS_NO_ERROR;
	st->text = NULL;
}

void ews_status_error(struct ews_status *st, const char *code, const char *text)
{
	st->cls = EWS_ERROR;
	st->code = code;
	st->text = text;
}
