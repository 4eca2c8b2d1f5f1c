/* config.c - where object storage requests go and as whom (s3.h): the
 * s3://bucket/key URL, the endpoint and its addressing, the region, and
 * the credentials, found the way the AWS tools find them:
 *
 *   keys     AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN),
 *            unless --s3-profile names a profile; else the profile's
 *            aws_access_key_id, aws_secret_access_key, aws_session_token
 *            in the credentials file, then in the config file
 *   profile  --s3-profile, AWS_PROFILE, "default"
 *   files    AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials ([name]),
 *            AWS_CONFIG_FILE or ~/.aws/config ([profile name], [default])
 *   region   --s3-region, AWS_REGION, AWS_DEFAULT_REGION, the profile's
 *            region, us-east-1
 *   endpoint --s3-endpoint, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
 *            profile's endpoint_url, https://s3.REGION.amazonaws.com
 *
 * Secrets are never copied anywhere but into the config, which wipes them
 * when freed; messages name files, variables and profiles, never values. */
#define _GNU_SOURCE 1 /* explicit_bzero */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "s3_internal.h"

const char *const sl_s3_addressings[] = {"auto", "path", "virtual", NULL};

#define INI_MAX (1u << 20) /* an AWS file bigger than this is refused */

bool sl_s3_is_url(const char *s)
{
	return s && !strncmp(s, "s3://", 5);
}

/* A NUL-terminated copy of the whole file, or NULL (*missing: it is not
 * there).  SL_EUSAGE for one that cannot be read or is too big. */
static int read_small_file(const char *path, char **out, bool *missing, struct sl_error *err)
{
	struct stat st;
	*out = NULL;
	*missing = false;
	FILE *f = fopen(path, "r");
	if (!f) {
		*missing = true;
		return 0;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > INI_MAX) {
		fclose(f);
		return sl_error_set(err, SL_EUSAGE, "s3: %s: not a regular file of at most 1 MiB",
		                    path);
	}
	char *text = sl_malloc((size_t)st.st_size + 1);
	if (!text) {
		fclose(f);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	size_t n = fread(text, 1, (size_t)st.st_size, f);
	fclose(f);
	text[n] = '\0';
	*out = text;
	return 0;
}

/* The value of 'key' in section [section] of an INI text (the AWS files'
 * form: "key = value" lines; indented lines belong to a nested setting and
 * are skipped; '#' and ';' start comments).  A copy (caller frees), or
 * NULL.  *has_section (OUT, may be NULL) says whether the section exists. */
static char *ini_lookup(const char *text, const char *section, const char *key, bool *has_section)
{
	bool in = false;
	size_t klen = strlen(key), slen = strlen(section);
	const char *p = text;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *line = p, *end = p + len;
		p = eol ? eol + 1 : NULL;
		if (len && (line[0] == ' ' || line[0] == '\t'))
			continue; /* nested */
		while (end > line && isspace((unsigned char)end[-1]))
			end--;
		if (line == end || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			const char *a = line + 1, *b = end;
			if (b > a && b[-1] == ']')
				b--;
			while (a < b && isspace((unsigned char)*a))
				a++;
			while (b > a && isspace((unsigned char)b[-1]))
				b--;
			in = (size_t)(b - a) == slen && !memcmp(a, section, slen);
			if (in && has_section)
				*has_section = true;
			continue;
		}
		if (!in || (size_t)(end - line) < klen || memcmp(line, key, klen))
			continue;
		const char *v = line + klen;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (v == end || *v != '=')
			continue;
		v++;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		char *out = sl_malloc((size_t)(end - v) + 1);
		if (out) {
			memcpy(out, v, (size_t)(end - v));
			out[end - v] = '\0';
		}
		return out;
	}
	return NULL;
}

/* The AWS files of a profile, read once. */
struct aws_files {
	char *cred_path, *conf_path;
	char *cred, *conf; /* texts, NULL when missing */
	char conf_section[256];
	const char *profile;
	bool profile_found;
};

static int files_load(struct aws_files *f, const char *profile, struct sl_error *err)
{
	const char *home = getenv("HOME");
	const char *cp = getenv("AWS_SHARED_CREDENTIALS_FILE");
	const char *fp = getenv("AWS_CONFIG_FILE");
	struct sl_buf b = SL_BUF_INIT;
	bool missing;
	int rc;
	f->profile = profile;
	snprintf(f->conf_section, sizeof(f->conf_section), "%s%s",
	         strcmp(profile, "default") ? "profile " : "", profile);
	if (cp && *cp)
		f->cred_path = sl_strdup(cp);
	else if (home && !sl_buf_printf(&b, "%s/.aws/credentials", home))
		f->cred_path = sl_buf_steal(&b, NULL);
	sl_buf_reset(&b);
	if (fp && *fp)
		f->conf_path = sl_strdup(fp);
	else if (home && !sl_buf_printf(&b, "%s/.aws/config", home))
		f->conf_path = sl_buf_steal(&b, NULL);
	sl_buf_free(&b);
	if (f->cred_path && (rc = read_small_file(f->cred_path, &f->cred, &missing, err)) != 0)
		return rc;
	if (f->conf_path && (rc = read_small_file(f->conf_path, &f->conf, &missing, err)) != 0)
		return rc;
	return 0;
}

static void files_free(struct aws_files *f)
{
	sl_free(f->cred_path);
	sl_free(f->conf_path);
	if (f->cred) {
		explicit_bzero(f->cred, strlen(f->cred));
		sl_free(f->cred);
	}
	if (f->conf) {
		explicit_bzero(f->conf, strlen(f->conf));
		sl_free(f->conf);
	}
}

/* A setting of the profile: the credentials file first (keys), then the
 * config file.  Caller frees; NULL when absent. */
static char *profile_get(struct aws_files *f, const char *key, bool creds_first)
{
	char *v = NULL;
	if (creds_first && f->cred)
		v = ini_lookup(f->cred, f->profile, key, &f->profile_found);
	if (!v && f->conf)
		v = ini_lookup(f->conf, f->conf_section, key, &f->profile_found);
	return v;
}

static char *env_dup(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? sl_strdup(v) : NULL;
}

static void free_secret(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		sl_free(*s);
		*s = NULL;
	}
}

void s3_config_free(struct s3_config *cfg)
{
	sl_free(cfg->scheme);
	sl_free(cfg->host);
	sl_free(cfg->base);
	sl_free(cfg->bucket);
	sl_free(cfg->key);
	sl_free(cfg->url);
	sl_free(cfg->region);
	sl_free(cfg->sigv4);
	free_secret(&cfg->access_key);
	free_secret(&cfg->secret_key);
	free_secret(&cfg->token);
	free_secret(&cfg->token_header);
	memset(cfg, 0, sizeof(*cfg));
}

/* Split "s3://bucket/key" into cfg->bucket and cfg->key. */
static int parse_url(struct s3_config *cfg, const char *url, struct sl_error *err)
{
	const char *b = url + 5, *slash = strchr(b, '/');
	size_t blen = slash ? (size_t)(slash - b) : strlen(b);
	if (blen == 0 || blen > 255)
		return sl_error_set(err, SL_EUSAGE, "%s: no bucket (s3://BUCKET/KEY)", url);
	for (size_t i = 0; i < blen; i++)
		if (!isalnum((unsigned char)b[i]) && b[i] != '.' && b[i] != '-' && b[i] != '_')
			return sl_error_set(err, SL_EUSAGE,
			                    "%s: a bucket name holds letters, digits, '.', '-' and "
			                    "'_' only",
			                    url);
	const char *key = slash ? slash + 1 : "";
	for (const char *k = key; *k; k++)
		if ((unsigned char)*k < 0x20 || *k == 0x7f)
			return sl_error_set(err, SL_EUSAGE,
			                    "s3://%.*s/...: a control character in the key",
			                    (int)blen, b);
	cfg->bucket = sl_malloc(blen + 1);
	cfg->key = sl_strdup(key);
	cfg->url = sl_strdup(url);
	if (!cfg->bucket || !cfg->key || !cfg->url)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	memcpy(cfg->bucket, b, blen);
	cfg->bucket[blen] = '\0';
	return 0;
}

/* "http[s]://host[:port][/]" into cfg->scheme and cfg->host.  'what'
 * names where it came from (an option or a variable, never its value when
 * it could hold a password). */
static int parse_endpoint(struct s3_config *cfg, const char *ep, const char *what,
                          struct sl_error *err)
{
	const char *h;
	if (!strncmp(ep, "http://", 7)) {
		h = ep + 7;
		cfg->tls = false;
	} else if (!strncmp(ep, "https://", 8)) {
		h = ep + 8;
		cfg->tls = true;
	} else {
		return sl_error_set(err, SL_EUSAGE,
		                    "%s: an endpoint is http://HOST[:PORT] or https://...", what);
	}
	size_t hl = strcspn(h, "/?#");
	if (memchr(h, '@', hl))
		return sl_error_set(err, SL_EUSAGE,
		                    "%s: credentials do not go into the endpoint; use "
		                    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials",
		                    what);
	if (hl == 0)
		return sl_error_set(err, SL_EUSAGE, "%s: no host in the endpoint", what);
	if (h[hl] && strcmp(h + hl, "/") != 0)
		return sl_error_set(err, SL_EUSAGE, "%s: an endpoint has no path", what);
	for (size_t i = 0; i < hl; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-_:[]", h[i]))
			return sl_error_set(err, SL_EUSAGE, "%s: a bad character in the host",
			                    what);
	cfg->scheme = sl_strdup(cfg->tls ? "https" : "http");
	cfg->host = sl_malloc(hl + 1);
	if (!cfg->scheme || !cfg->host)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	memcpy(cfg->host, h, hl);
	cfg->host[hl] = '\0';
	return 0;
}

/* Can the bucket be a DNS label of virtual-hosted addressing over TLS? */
static bool dns_bucket(const char *b)
{
	for (; *b; b++)
		if (!(islower((unsigned char)*b) || isdigit((unsigned char)*b) || *b == '-'))
			return false;
	return true;
}

int s3_config_resolve(const struct sl_s3_options *o, const char *url, struct s3_config *cfg,
                      struct sl_error *err)
{
	struct aws_files files = {0};
	char *endpoint = NULL, *region = NULL;
	const char *ep_what = "--s3-endpoint";
	struct sl_buf b = SL_BUF_INIT;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if ((rc = parse_url(cfg, url, err)) != 0)
		goto out;
	if (o->part_size < SL_S3_MIN_PART || o->part_size > SL_S3_MAX_PART) {
		rc = sl_error_set(err, SL_EUSAGE, "--part-size: from 5M to 1G");
		goto out;
	}
	cfg->part_size = (size_t)o->part_size;
	cfg->parallel = o->parallel > 0 ? (unsigned)o->parallel : 1;
	cfg->retries = o->retries >= 0 ? (unsigned)o->retries : 0;
	cfg->timeout = o->timeout > 0 ? (long)o->timeout : 60;

	const char *profile = o->profile && *o->profile ? o->profile : getenv("AWS_PROFILE");
	bool named = (o->profile && *o->profile) || (profile && *profile);
	if (!profile || !*profile)
		profile = "default";
	if ((rc = files_load(&files, profile, err)) != 0)
		goto out;

	/* Keys: the environment's, unless a profile was named on the command
	 * line; then the profile's. */
	bool env_keys = getenv("AWS_ACCESS_KEY_ID") && *getenv("AWS_ACCESS_KEY_ID");
	if (env_keys && !(o->profile && *o->profile)) {
		cfg->access_key = env_dup("AWS_ACCESS_KEY_ID");
		cfg->secret_key = env_dup("AWS_SECRET_ACCESS_KEY");
		cfg->token = env_dup("AWS_SESSION_TOKEN");
		if (!cfg->secret_key) {
			rc = sl_error_set(
			    err, SL_EUSAGE,
			    "s3: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is "
			    "not");
			goto out;
		}
	} else {
		cfg->access_key = profile_get(&files, "aws_access_key_id", true);
		cfg->secret_key = profile_get(&files, "aws_secret_access_key", true);
		cfg->token = profile_get(&files, "aws_session_token", true);
		if (!cfg->access_key || !cfg->secret_key) {
			if (named && !files.profile_found)
				rc = sl_error_set(
				    err, SL_EUSAGE, "s3: no profile '%s' in %s or %s", profile,
				    files.cred_path ? files.cred_path : "~/.aws/credentials",
				    files.conf_path ? files.conf_path : "~/.aws/config");
			else
				rc = sl_error_set(err, SL_EUSAGE,
				                  "s3: no credentials: set AWS_ACCESS_KEY_ID and "
				                  "AWS_SECRET_ACCESS_KEY, or aws_access_key_id and "
				                  "aws_secret_access_key in profile '%s' of %s",
				                  profile,
				                  files.cred_path ? files.cred_path
				                                  : "~/.aws/credentials");
			goto out;
		}
	}

	/* Region and endpoint. */
	region = o->region && *o->region ? sl_strdup(o->region) : env_dup("AWS_REGION");
	if (!region)
		region = env_dup("AWS_DEFAULT_REGION");
	if (!region)
		region = profile_get(&files, "region", false);
	if (!region)
		region = sl_strdup("us-east-1");
	for (const char *r = region ? region : ""; *r; r++)
		if (!isalnum((unsigned char)*r) && *r != '-' && *r != '_') {
			rc = sl_error_set(err, SL_EUSAGE, "s3: a bad region name");
			goto out;
		}
	if (o->endpoint && *o->endpoint) {
		endpoint = sl_strdup(o->endpoint);
	} else if ((endpoint = env_dup("AWS_ENDPOINT_URL_S3")) != NULL) {
		ep_what = "AWS_ENDPOINT_URL_S3";
	} else if ((endpoint = env_dup("AWS_ENDPOINT_URL")) != NULL) {
		ep_what = "AWS_ENDPOINT_URL";
	} else if ((endpoint = profile_get(&files, "endpoint_url", false)) != NULL) {
		ep_what = "the profile's endpoint_url";
	}
	bool custom = endpoint != NULL;
	if (!endpoint && !sl_buf_printf(&b, "https://s3.%s.amazonaws.com", region))
		endpoint = sl_buf_steal(&b, NULL);
	if (!endpoint || !region) {
		rc = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = parse_endpoint(cfg, endpoint, ep_what, err)) != 0)
		goto out;
	cfg->unsigned_payload = cfg->tls || o->unsigned_payload;
	cfg->region = region;
	region = NULL;

	/* Addressing: path style on other stores (radosgw, MinIO), virtual on
	 * AWS when the bucket can be a host name. */
	int addr = o->addressing;
	if (addr == SL_S3_ADDR_AUTO)
		addr = custom || !dns_bucket(cfg->bucket) ? SL_S3_ADDR_PATH : SL_S3_ADDR_VIRTUAL;
	cfg->path_style = addr == SL_S3_ADDR_PATH;
	sl_buf_reset(&b);
	if (cfg->path_style) {
		rc = sl_buf_printf(&b, "%s://%s/", cfg->scheme, cfg->host) ||
		     s3_encode(&b, cfg->bucket, false);
	} else {
		char *vhost = NULL;
		struct sl_buf h = SL_BUF_INIT;
		rc = sl_buf_printf(&h, "%s.%s", cfg->bucket, cfg->host);
		vhost = rc ? NULL : sl_buf_steal(&h, NULL);
		sl_buf_free(&h);
		if (vhost) {
			sl_free(cfg->host);
			cfg->host = vhost;
			rc = sl_buf_printf(&b, "%s://%s", cfg->scheme, cfg->host);
		} else {
			rc = SL_ENOMEM;
		}
	}
	if (!rc) {
		cfg->base = sl_buf_steal(&b, NULL);
		sl_buf_reset(&b);
		rc = sl_buf_printf(&b, "aws:amz:%s:s3", cfg->region);
		cfg->sigv4 = rc ? NULL : sl_buf_steal(&b, NULL);
	}
	if (!rc && cfg->token) {
		sl_buf_reset(&b);
		rc = sl_buf_printf(&b, "x-amz-security-token: %s", cfg->token);
		cfg->token_header = rc ? NULL : sl_buf_steal(&b, NULL);
	}
	if (rc || !cfg->base || !cfg->sigv4) {
		rc = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (b.data)
		explicit_bzero(b.data, b.cap);
	sl_buf_free(&b);
	sl_free(endpoint);
	sl_free(region);
	files_free(&files);
	if (rc)
		s3_config_free(cfg);
	return rc;
}
