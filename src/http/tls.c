/* tls.c - the HTTPS certificate: use the one given, or create a self-signed
 * ECDSA P-256 certificate once and reuse it on later starts. */
#include "http/server.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/result.h"

static void log_ssl(const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof buf);
	LOGE("tls", "%s: %s", what, e ? buf : "unknown OpenSSL error");
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

int tls_ensure_cert(const char *path)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	FILE *f = NULL;
	int rc = EMU_EINTERNAL, fd;
	unsigned char serial[16];

	if (access(path, R_OK) == 0)
		return EMU_OK;
	key = EVP_EC_gen("P-256");
	x = X509_new();
	if (!key || !x) {
		log_ssl("key generation");
		goto out;
	}
	if (RAND_bytes(serial, sizeof serial) != 1)
		goto out;
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) {
		BN_free(bn);
		goto out;
	}
	BN_free(bn);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 825L * 24 * 3600);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"ewsemu", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (add_ext(x, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
	    add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(x, NID_ext_key_usage, "serverAuth")) {
		log_ssl("certificate extensions");
		goto out;
	}
	if (!X509_sign(x, key, EVP_sha256())) {
		log_ssl("certificate signing");
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		LOGE("tls", "cannot create %s", path);
		rc = EMU_EIO;
		goto out;
	}
	if (!PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) || !PEM_write_X509(f, x)) {
		log_ssl("writing the certificate");
		rc = EMU_EIO;
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = EMU_EIO;
		goto out;
	}
	f = NULL;
	LOGI("tls", "created a self-signed certificate for localhost in %s", path);
	rc = EMU_OK;
out:
	if (f) {
		fclose(f);
		unlink(path);
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}
