/*
 * esmtp_params - see esmtp_params.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "milter/esmtp_params.h"

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* RFC 3461 xtext: "!" to "~" but "+" and "=", or "+" and two upper-case
 * hex digits. */
static bool
is_xtext(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '+') {
			if (!is_hex(s[1]) || !is_hex(s[2]))
				return false;
			s += 2;
		} else if (*s < '!' || *s > '~' || *s == '=')
			return false;
	}
	return true;
}

/* value of "KEY=value" when arg starts with key and "=", else NULL. */
static const char *
value_of(const char *arg, const char *key)
{
	size_t	n = strlen(key);

	if (strncasecmp(arg, key, n) != 0 || arg[n] != '=')
		return NULL;
	return arg + n + 1;
}

/* "SUCCESS,DELAY" in upper case into out, or false. */
static bool
parse_notify(const char *v, char *out, size_t outsz)
{
	static const char *const words[] = { "SUCCESS", "FAILURE", "DELAY" };
	char	buf[32];
	const char *p = v;
	size_t	len = 0, i, n;

	if (strcasecmp(v, "NEVER") == 0) {
		snprintf(out, outsz, "NEVER");
		return true;
	}
	while (*p != '\0') {
		n = strcspn(p, ",");
		for (i = 0; i < 3; i++)
			if (n == strlen(words[i]) && strncasecmp(p, words[i],
			    n) == 0)
				break;
		if (i == 3 || len + n + 2 > sizeof(buf))
			return false;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    len ? "," : "", words[i]);
		p += n;
		if (*p == ',' && *++p == '\0')
			return false;
	}
	if (len == 0)
		return false;
	snprintf(out, outsz, "%s", buf);
	return true;
}

void
mail_params_parse(struct mail_params *p, char *const *args)
{
	const char *v;

	memset(p, 0, sizeof(*p));
	for (; args != NULL && *args != NULL; args++) {
		if ((v = value_of(*args, "BODY")) != NULL) {
			if (strcasecmp(v, "7BIT") == 0)
				p->body = BODY_7BIT;
			else if (strcasecmp(v, "8BITMIME") == 0)
				p->body = BODY_8BITMIME;
			else if (strcasecmp(v, "BINARYMIME") == 0)
				p->body = BODY_BINARYMIME;
		} else if (strcasecmp(*args, "SMTPUTF8") == 0)
			p->smtputf8 = true;
		else if ((v = value_of(*args, "RET")) != NULL) {
			if (strcasecmp(v, "FULL") == 0)
				snprintf(p->ret, sizeof(p->ret), "FULL");
			else if (strcasecmp(v, "HDRS") == 0)
				snprintf(p->ret, sizeof(p->ret), "HDRS");
		} else if ((v = value_of(*args, "ENVID")) != NULL) {
			if (*v != '\0' && strlen(v) <= ENVID_MAX && is_xtext(v))
				snprintf(p->envid, sizeof(p->envid), "%s", v);
		}
	}
}

void
rcpt_params_parse(struct rcpt_params *p, char *const *args)
{
	const char *v, *semi;
	size_t	i;

	memset(p, 0, sizeof(*p));
	for (; args != NULL && *args != NULL; args++) {
		if ((v = value_of(*args, "NOTIFY")) != NULL) {
			if (!parse_notify(v, p->notify, sizeof(p->notify)))
				p->notify[0] = '\0';
		} else if ((v = value_of(*args, "ORCPT")) != NULL) {
			/* addr-type ";" xtext; addr-type is an atom */
			if ((semi = strchr(v, ';')) == NULL || semi == v ||
			    strlen(v) > ORCPT_MAX || !is_xtext(semi + 1) ||
			    semi[1] == '\0')
				continue;
			for (i = 0; v + i < semi; i++)
				if (!((v[i] >= 'a' && v[i] <= 'z') ||
				    (v[i] >= 'A' && v[i] <= 'Z') ||
				    (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
					break;
			if (v + i == semi)
				snprintf(p->orcpt, sizeof(p->orcpt), "%s", v);
		}
	}
}

unsigned
esmtp_cap(const char *keyword)
{
	size_t	n = strcspn(keyword, " ");

	if (n == 8 && strncasecmp(keyword, "8BITMIME", n) == 0)
		return ESMTP_CAP_8BITMIME;
	if (n == 3 && strncasecmp(keyword, "DSN", n) == 0)
		return ESMTP_CAP_DSN;
	if (n == 8 && strncasecmp(keyword, "SMTPUTF8", n) == 0)
		return ESMTP_CAP_SMTPUTF8;
	return 0;
}

bool
mail_params_smtp(char *out, size_t outsz, const struct mail_params *p,
    bool eightbit, bool utf8, unsigned caps, const char **why)
{
	bool	smtputf8 = p->smtputf8 && (caps & ESMTP_CAP_SMTPUTF8);

	size_t	len = 0;

	out[0] = '\0';
	if (p->body == BODY_BINARYMIME) {
		*why = "a BINARYMIME body cannot be re-injected with DATA";
		return false;
	}
	if (p->smtputf8 && !smtputf8 && utf8) {
		*why = "the re-injection port does not offer SMTPUTF8, which "
		    "the message needs";
		return false;
	}
	if ((eightbit || p->body == BODY_8BITMIME) &&
	    (caps & ESMTP_CAP_8BITMIME))
		len += (size_t)snprintf(out + len, outsz - len, " BODY=8BITMIME");
	if (smtputf8 && len < outsz)
		len += (size_t)snprintf(out + len, outsz - len, " SMTPUTF8");
	if ((caps & ESMTP_CAP_DSN) && p->ret[0] != '\0' && len < outsz)
		len += (size_t)snprintf(out + len, outsz - len, " RET=%s",
		    p->ret);
	if ((caps & ESMTP_CAP_DSN) && p->envid[0] != '\0' && len < outsz)
		len += (size_t)snprintf(out + len, outsz - len, " ENVID=%s",
		    p->envid);
	if (len >= outsz) {
		*why = "ESMTP parameters too long";
		return false;
	}
	return true;
}

void
rcpt_params_smtp(char *out, size_t outsz, const struct rcpt_params *p,
    unsigned caps)
{
	out[0] = '\0';
	if (p == NULL || !(caps & ESMTP_CAP_DSN))
		return;
	snprintf(out, outsz, "%s%s%s%s", p->notify[0] ? " NOTIFY=" : "",
	    p->notify, p->orcpt[0] ? " ORCPT=" : "", p->orcpt);
}

bool
mail_params_argv(const char **argv, size_t *argc, const struct mail_params *p,
    bool eightbit, const char *notify, const char **why)
{
	if (p->body == BODY_BINARYMIME) {
		*why = "a BINARYMIME body cannot be re-injected";
		return false;
	}
	if (eightbit || p->body == BODY_8BITMIME) {
		argv[(*argc)++] = "-B";
		argv[(*argc)++] = "8BITMIME";
	}
	if (p->ret[0] != '\0') {
		argv[(*argc)++] = "-R";
		argv[(*argc)++] = p->ret;
	}
	/* Postfix's -V takes the ENVID decoded, Sendmail's as xtext: the
	 * two agree only for an ENVID with no "+XX"; another one is lost. */
	if (p->envid[0] != '\0' && strchr(p->envid, '+') == NULL) {
		argv[(*argc)++] = "-V";
		argv[(*argc)++] = p->envid;
	}
	if (notify != NULL && notify[0] != '\0') {
		argv[(*argc)++] = "-N";
		argv[(*argc)++] = notify;
	}
	return true;
}
