/* test_s3config.c - unit tests for where object storage requests go and as
 * whom (plugins/objstore/config.c): s3:// URLs, endpoints and addressing,
 * credentials from the environment and from profiles of the AWS files, and
 * the key encoding Signature V4 signs (request.c).  No store is needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "objstore/s3_internal.h"
#include "unit.h"

static const struct sl_s3_options opts = {
    .part_size = 8u << 20, .parallel = 4, .retries = 5, .timeout = 60};

static char dir[] = "/tmp/sl-s3config-XXXXXX";
static char cred_path[64], conf_path[64];

static void clear_env(void)
{
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_S3");
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
	setenv("AWS_CONFIG_FILE", conf_path, 1);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_env_keys_and_aws_endpoint(void)
{
	struct s3_config c;
	struct sl_error err = {0};
	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
	setenv("AWS_SESSION_TOKEN", "TOKEN", 1);
	setenv("AWS_REGION", "eu-west-1", 1);
	CHECK_EQ_INT(s3_config_resolve(&opts, "s3://bucket/a/b.tar.zst", &c, &err), 0);
	CHECK_EQ_STR(c.access_key, "AKID");
	CHECK_EQ_STR(c.secret_key, "SECRET");
	CHECK_EQ_STR(c.token_header, "x-amz-security-token: TOKEN");
	CHECK_EQ_STR(c.region, "eu-west-1");
	CHECK_EQ_STR(c.sigv4, "aws:amz:eu-west-1:s3");
	CHECK_EQ_STR(c.bucket, "bucket");
	CHECK_EQ_STR(c.key, "a/b.tar.zst");
	/* AWS: virtual-hosted, TLS. */
	CHECK_EQ_STR(c.base, "https://bucket.s3.eu-west-1.amazonaws.com");
	CHECK(c.tls && !c.path_style);
	s3_config_free(&c);
	/* A bucket that cannot be a host name goes path style. */
	CHECK_EQ_INT(s3_config_resolve(&opts, "s3://My.Bucket", &c, &err), 0);
	CHECK_EQ_STR(c.base, "https://s3.eu-west-1.amazonaws.com/My.Bucket");
	CHECK_EQ_STR(c.key, "");
	s3_config_free(&c);
}

static void test_custom_endpoint_path_style(void)
{
	struct s3_config c;
	struct sl_error err = {0};
	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7480/", 1);
	CHECK_EQ_INT(s3_config_resolve(&opts, "s3://b/k", &c, &err), 0);
	CHECK_EQ_STR(c.base, "http://127.0.0.1:7480/b");
	CHECK_EQ_STR(c.region, "us-east-1");
	CHECK(!c.tls && c.path_style);
	CHECK(c.token_header == NULL);
	s3_config_free(&c);
	/* The service's own variable wins; --s3-endpoint wins over both. */
	setenv("AWS_ENDPOINT_URL_S3", "http://s3.local:9000", 1);
	CHECK_EQ_INT(s3_config_resolve(&opts, "s3://b/k", &c, &err), 0);
	CHECK_EQ_STR(c.base, "http://s3.local:9000/b");
	s3_config_free(&c);
	struct sl_s3_options o = opts;
	o.endpoint = "https://minio.example:443";
	o.addressing = SL_S3_ADDR_VIRTUAL;
	CHECK_EQ_INT(s3_config_resolve(&o, "s3://b/k", &c, &err), 0);
	CHECK_EQ_STR(c.base, "https://b.minio.example:443");
	s3_config_free(&c);
}

static void test_profiles(void)
{
	struct s3_config c;
	struct sl_error err = {0};
	clear_env();
	write_file(cred_path,
	           "# comment\n[default]\naws_access_key_id = DEF\n"
	           "aws_secret_access_key = DEFSECRET\n\n"
	           "[other]\naws_access_key_id=OTH\naws_secret_access_key = OTHSECRET  \n"
	           "  nested = ignored\n");
	write_file(conf_path,
	           "[default]\nregion = ap-south-1\n[profile other]\nregion = sa-east-1\n"
	           "endpoint_url = http://10.0.0.1:8080\n"
	           "[profile conf-only]\naws_access_key_id = C\n"
	           "aws_secret_access_key = CS\n");
	CHECK_EQ_INT(s3_config_resolve(&opts, "s3://b/k", &c, &err), 0);
	CHECK_EQ_STR(c.access_key, "DEF");
	CHECK_EQ_STR(c.secret_key, "DEFSECRET");
	CHECK_EQ_STR(c.region, "ap-south-1");
	s3_config_free(&c);
	setenv("AWS_PROFILE", "other", 1);
	CHECK_EQ_INT(s3_config_resolve(&opts, "s3://b/k", &c, &err), 0);
	CHECK_EQ_STR(c.access_key, "OTH");
	CHECK_EQ_STR(c.secret_key, "OTHSECRET");
	CHECK_EQ_STR(c.region, "sa-east-1");
	CHECK_EQ_STR(c.base, "http://10.0.0.1:8080/b");
	s3_config_free(&c);
	/* Keys in the config file only. */
	setenv("AWS_PROFILE", "conf-only", 1);
	CHECK_EQ_INT(s3_config_resolve(&opts, "s3://b/k", &c, &err), 0);
	CHECK_EQ_STR(c.access_key, "C");
	s3_config_free(&c);
	/* The environment's keys win over AWS_PROFILE, not over --s3-profile. */
	setenv("AWS_ACCESS_KEY_ID", "ENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
	CHECK_EQ_INT(s3_config_resolve(&opts, "s3://b/k", &c, &err), 0);
	CHECK_EQ_STR(c.access_key, "ENV");
	s3_config_free(&c);
	struct sl_s3_options o = opts;
	o.profile = "other";
	CHECK_EQ_INT(s3_config_resolve(&o, "s3://b/k", &c, &err), 0);
	CHECK_EQ_STR(c.access_key, "OTH");
	s3_config_free(&c);
	/* A profile that is not there. */
	o.profile = "missing";
	sl_error_clear(&err);
	CHECK_EQ_INT(s3_config_resolve(&o, "s3://b/k", &c, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "no profile 'missing'") != NULL);
	CHECK(strstr(err.msg, "SECRET") == NULL);
}

static void test_refusals(void)
{
	struct s3_config c;
	struct sl_error err = {0};
	clear_env();
	unlink(cred_path);
	unlink(conf_path);
	CHECK_EQ_INT(s3_config_resolve(&opts, "s3://b/k", &c, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "no credentials") != NULL);
	setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
	sl_error_clear(&err);
	CHECK_EQ_INT(s3_config_resolve(&opts, "s3://b/k", &c, &err), SL_EUSAGE);
	CHECK(strstr(err.msg, "AWS_SECRET_ACCESS_KEY is not") != NULL);
	setenv("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
	static const char *const bad[] = {"s3://", "s3:///key", "s3://bu cket/k", "s3://b?x/k",
	                                  "s3://b/k\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_error_clear(&err);
		CHECK_EQ_INT(s3_config_resolve(&opts, bad[i], &c, &err), SL_EUSAGE);
	}
	struct sl_s3_options o = opts;
	static const char *const bad_ep[] = {"ftp://h", "http://", "http://u:pw@h", "http://h/path",
	                                     "h:80"};
	for (size_t i = 0; i < sizeof(bad_ep) / sizeof(bad_ep[0]); i++) {
		o.endpoint = (char *)bad_ep[i];
		sl_error_clear(&err);
		CHECK_EQ_INT(s3_config_resolve(&o, "s3://b/k", &c, &err), SL_EUSAGE);
		CHECK(strstr(err.msg, "pw") == NULL);
	}
	o = opts;
	o.part_size = 1u << 20;
	sl_error_clear(&err);
	CHECK_EQ_INT(s3_config_resolve(&o, "s3://b/k", &c, &err), SL_EUSAGE);
}

static void test_encode(void)
{
	struct sl_buf b = SL_BUF_INIT;
	CHECK_EQ_INT(s3_encode(&b, "db.my@0020t.00000.sql", true), 0);
	CHECK_EQ_STR(b.data, "db.my%400020t.00000.sql");
	sl_buf_reset(&b);
	CHECK_EQ_INT(s3_encode(&b, "a b/c~d_e-f+g", true), 0);
	CHECK_EQ_STR(b.data, "a%20b/c~d_e-f%2Bg");
	sl_buf_reset(&b);
	CHECK_EQ_INT(s3_encode(&b, "x/y\xc3\xa9", false), 0);
	CHECK_EQ_STR(b.data, "x%2Fy%C3%A9");
	sl_buf_free(&b);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(cred_path, sizeof(cred_path), "%s/credentials", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/config", dir);
	UNIT_RUN(test_env_keys_and_aws_endpoint);
	UNIT_RUN(test_custom_endpoint_path_style);
	UNIT_RUN(test_profiles);
	UNIT_RUN(test_refusals);
	UNIT_RUN(test_encode);
	unlink(cred_path);
	unlink(conf_path);
	rmdir(dir);
	return UNIT_DONE();
}
