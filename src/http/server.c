/* server.c - the live server's defaults, the front's life cycle and the
 * listeners: one src/wire/ server per listener (HTTP, HTTPS), so each has
 * its own accept thread and connection cap and one cannot starve the
 * other.  Every request is read whole by wire/ and handed to a
 * wire_handler: the front (front.c) or a QA layer around it. */
#include "http/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/result.h"
#include "http/front.h"

void server_config_defaults(struct server_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->http_listen = "127.0.0.1:8080";
	cfg->https_listen = "127.0.0.1:8443";
	cfg->realm = "ewsemu";
	cfg->max_connections = 256;
	cfg->max_body = 16u << 20;
	cfg->idle_timeout = 10;
	cfg->ews.hr48_prefers_thumbnail = 1;
	cfg->ews.photo_max_age = 3600;
	auth_policy_defaults(&cfg->auth);
	cfg->auth_schemes = SERVER_AUTH_DEFAULT;
}

int server_auth_parse(const char *list, unsigned *out)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "negotiate", SERVER_AUTH_NEGOTIATE }, { "ntlm", SERVER_AUTH_NTLM }, { "basic", SERVER_AUTH_BASIC } };
	unsigned bits = 0;
	if (strlen(list) > SERVER_AUTH_LIST_MAX)
		return EMU_ELIMIT;
	while (1) {
		size_t n = strcspn(list, ","), i;
		for (i = 0; i < sizeof names / sizeof *names; i++)
			if (n == strlen(names[i].name) && !strncasecmp(list, names[i].name, n))
				break;
		if (i == sizeof names / sizeof *names)
			return EMU_EINVAL;
		bits |= names[i].bit;
		if (!list[n])
			break;
		list += n + 1;
	}
	*out = bits;
	return EMU_OK;
}

void server_ntlm_domain(struct server_config *cfg, const char *domain)
{
	size_t n = strcspn(domain, ".");
	if (n > sizeof cfg->ntlm_netbios - 1)
		n = sizeof cfg->ntlm_netbios - 1;   /* NetBIOS names have at most 15 characters */
	for (size_t i = 0; i < n; i++)
		cfg->ntlm_netbios[i] = (char)(domain[i] >= 'a' && domain[i] <= 'z' ? domain[i] - 32 : domain[i]);
	cfg->ntlm_netbios[n] = '\0';
	cfg->ntlm_names.netbios_domain = cfg->ntlm_netbios;
	cfg->ntlm_names.dns_domain = domain;
	cfg->auth.alias_domain = domain;
}

int http_front_new(store_t *store, const struct server_config *cfg, http_front_t **out)
{
	struct http_front *f = calloc(1, sizeof *f);
	int rc;
	*out = NULL;
	if (!f)
		return EMU_ENOMEM;
	f->store = store;
	f->cfg = cfg;
	rc = svcdesc_new(cfg->ews.profile, &f->svcdesc);
	if (rc != EMU_OK)
		goto out;
	if (http_ident_init(&f->ident, cfg->server_name) != EMU_OK) {
		rc = EMU_EINVAL;
		goto out;
	}
	if (cfg->access_log)
		rc = access_log_open(cfg->access_log, &f->access_log);
out:
	if (rc != EMU_OK) {
		http_front_free(f);
		return rc;
	}
	*out = f;
	return EMU_OK;
}

void http_front_free(http_front_t *f)
{
	if (!f)
		return;
	svcdesc_free(f->svcdesc);
	access_log_close(f->access_log);
	free(f);
}

int server_listen(const struct server_config *cfg, http_front_t *front, wire_handler h, wire_conn_end end,
                  void *ctx)
{
	const char *where[2] = { cfg->http_listen, cfg->https_listen };
	wire_server_t *w[2] = { NULL, NULL };
	char url[2][320] = { "", "" };
	int rc = EMU_OK;

	wire_signal_catch();   /* a SIGTERM right after the URLs are printed stops us cleanly */
	for (int tls = 0; tls < 2 && rc == EMU_OK; tls++) {
		if (!where[tls])
			continue;
		struct wire_server_config wc = {
			.listen = where[tls],
			.cert_file = tls ? cfg->cert_file : NULL,
			.max_connections = cfg->max_connections,
			.idle_timeout = cfg->idle_timeout,
			.body_max = cfg->max_body,
			.refuse = http_front_refuse,
			.refuse_ctx = front,
			/* the live routes never sleep: a worker pool serves plain HTTP */
			.workers = WIRE_WORKERS_AUTO,
		};
		rc = wire_server_start(&wc, h, end, ctx, &w[tls]);
		if (rc != EMU_OK)
			LOGE("http", "cannot listen on %s%s: %s", where[tls], tls ? " (https)" : "", emu_strerror(rc));
		else
			snprintf(url[tls], sizeof url[tls], "%s", wire_server_url(w[tls]));   /* https:// for TLS */
		if (rc == EMU_OK && front)
			http_front_listener(front, tls, url[tls]);
	}
	if (rc == EMU_OK && !w[0] && !w[1])
		rc = EMU_EINVAL;
	if (rc != EMU_OK) {
		wire_server_stop(w[0]);
		wire_server_stop(w[1]);
		return rc;
	}
	for (int tls = 0; tls < 2 && !cfg->quiet; tls++) {
		if (!w[tls])
			continue;
		printf("ewsemu: EWS endpoint %s/EWS/Exchange.asmx\n", url[tls]);
		printf("ewsemu: photo URL    %s/ews/Exchange.asmx/s/GetUserPhoto?email=ADDRESS&size=HR96x96\n", url[tls]);
	}
	if (!cfg->quiet && cfg->example_user && cfg->example_password) {
		printf("ewsemu: login        %s / %s\n", cfg->example_user, cfg->example_password);
		printf("ewsemu: try          curl -k -u '%s:%s' -o photo.jpg '%s/ews/Exchange.asmx/s/GetUserPhoto?email=%s&size=HR240x240'\n",
		       cfg->example_user, cfg->example_password, url[0][0] ? url[0] : url[1], cfg->example_user);
	}
	fflush(stdout);
	LOGI("http", "serving (%s; offered: %s%s%s)", cfg->allow_anonymous ? "anonymous access allowed" : "auth required",
	     cfg->auth_schemes & SERVER_AUTH_NEGOTIATE ? "Negotiate " : "", cfg->auth_schemes & SERVER_AUTH_NTLM ? "NTLM " : "",
	     cfg->auth_schemes & SERVER_AUTH_BASIC ? "Basic" : "");
	wire_wait_for_signal();
	wire_server_stop(w[0]);
	wire_server_stop(w[1]);
	LOGI("http", "stopped");
	return EMU_OK;
}

int server_run(store_t *store, const struct server_config *cfg)
{
	http_front_t *f;
	int rc = http_front_new(store, cfg, &f);
	if (rc != EMU_OK)
		return rc;
	rc = server_listen(cfg, f, http_front_handle, http_front_conn_end, f);
	http_front_free(f);
	return rc;
}
