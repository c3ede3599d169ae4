/*
 * calendar.c: compile the holiday calendar data and count business days
 * with it (see calendar.h).
 *
 * A holiday is kept as its rule ("third Monday in January from 1986"),
 * not as a list of dates, so the calendar works for any year the date
 * module accepts. Asking whether a day is a holiday computes the rules of
 * that year and its neighbours (New Year's Day on a Saturday is observed
 * on December 31 of the year before); that is a few dozen additions, and
 * it keeps the module free of caches and of any state per account.
 */
#include "../pl.h"
#include "calendar.h"
#include "../core/date.h"
#include "../core/limits.h"
#include "../core/xalloc.h"
#include "../core/xmlsafe.h"

#define RULES_NS "urn:fairnotice:rules:1"
#define NTH_LAST (-1)

struct holiday {
	char *name;          /* owned */
	int month;           /* 1-12 */
	int day;             /* 1-31 for a fixed date, else 0 */
	int nth;             /* 1-4, NTH_LAST, or 0 for a fixed date */
	enum weekday weekday;
	int from_year;       /* 0: no first year */
	int to_year;         /* 0: no last year */
};

struct calendar {
	char *id;            /* owned */
	char *version;       /* owned: "<id>@<version attribute>" */
	int saturday_shift;  /* days from a Saturday holiday to its observed day */
	int sunday_shift;
	struct holiday holidays[CALENDAR_MAX_HOLIDAYS];
	size_t nholidays;
};

static const char *const weekday_names[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday",
};

/* ---- reading attributes ---- */

static unsigned node_line(xmlNode *node)
{
	long line = xmlGetLineNo(node);

	return line > 0 ? (unsigned)line : 0;
}

/* Attribute value into buf ("" when absent); false when absent. */
static bool attr_get(xmlNode *node, const char *name, char *buf, size_t size)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);

	snprintf(buf, size, "%s", v ? (const char *)v : "");
	xmlFree(v);
	return v != NULL;
}

/* Decimal integer attribute within [min, max]; 0, or -1 when bad. */
static int attr_int(xmlNode *node, const char *name, int min, int max,
		    int *out)
{
	char v[32], *end;
	long n;

	if (!attr_get(node, name, v, sizeof(v)) || !*v)
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

static int bad_attr(struct pl_diag *diag, const char *path, xmlNode *node,
		    const char *attr)
{
	char v[64];

	attr_get(node, attr, v, sizeof(v));
	return pl_diag_set(diag, PL_RULE, path, node_line(node),
			   "bad %s '%s' on <%s> in calendar", attr, v,
			   (const char *)node->name);
}

/* ---- compiling ---- */

static int parse_shift(const char *v, const char *want, int shift, int *out)
{
	if (!strcmp(v, "none"))
		*out = 0;
	else if (!strcmp(v, want))
		*out = shift;
	else
		return -1;
	return 0;
}

static int compile_observance(struct calendar *cal, xmlNode *node,
			      const char *path, struct pl_diag *diag)
{
	char v[64];

	attr_get(node, "saturday", v, sizeof(v));
	if (parse_shift(v, "friday-before", -1, &cal->saturday_shift))
		return bad_attr(diag, path, node, "saturday");
	attr_get(node, "sunday", v, sizeof(v));
	if (parse_shift(v, "monday-after", 1, &cal->sunday_shift))
		return bad_attr(diag, path, node, "sunday");
	return PL_OK;
}

static int compile_holiday(struct calendar *cal, xmlNode *node,
			   const char *path, struct pl_diag *diag)
{
	struct holiday h = { 0 };
	char v[64];
	unsigned line = node_line(node);

	if (cal->nholidays == CALENDAR_MAX_HOLIDAYS)
		return pl_diag_set(diag, PL_RULE, path, line,
				   "more than %d holidays in calendar",
				   CALENDAR_MAX_HOLIDAYS);
	if (attr_int(node, "month", 1, 12, &h.month))
		return bad_attr(diag, path, node, "month");

	if (attr_get(node, "day", v, sizeof(v))) {
		/* Not February 29: a holiday must exist in every year. */
		if (attr_int(node, "day", 1, date_days_in_month(2001, h.month),
			     &h.day))
			return bad_attr(diag, path, node, "day");
		if (attr_get(node, "nth", v, sizeof(v)) ||
		    attr_get(node, "weekday", v, sizeof(v)))
			return pl_diag_set(diag, PL_RULE, path, line,
					   "holiday has both a day and an nth weekday in calendar");
	} else {
		size_t i;

		attr_get(node, "nth", v, sizeof(v));
		if (!strcmp(v, "last"))
			h.nth = NTH_LAST;
		else if (attr_int(node, "nth", 1, 4, &h.nth))
			return bad_attr(diag, path, node, "nth");
		attr_get(node, "weekday", v, sizeof(v));
		for (i = 0; i < PL_ARRAY_SIZE(weekday_names); i++)
			if (!strcmp(v, weekday_names[i]))
				break;
		if (i == PL_ARRAY_SIZE(weekday_names))
			return bad_attr(diag, path, node, "weekday");
		h.weekday = (enum weekday)i;
	}

	if (attr_get(node, "from-year", v, sizeof(v)) &&
	    attr_int(node, "from-year", 1900, 2199, &h.from_year))
		return bad_attr(diag, path, node, "from-year");
	if (attr_get(node, "to-year", v, sizeof(v)) &&
	    (attr_int(node, "to-year", 1900, 2199, &h.to_year) ||
	     (h.from_year && h.to_year < h.from_year)))
		return bad_attr(diag, path, node, "to-year");

	attr_get(node, "name", v, sizeof(v));
	if (!*v)
		return bad_attr(diag, path, node, "name");
	h.name = xmlsafe_attr_dup(node, "name");
	cal->holidays[cal->nholidays++] = h;
	return PL_OK;
}

int calendar_compile(struct calendar **out, xmlDoc *doc, const char *path,
		     struct pl_diag *diag)
{
	struct calendar *cal = xcalloc(1, sizeof(*cal));
	xmlNode *root = xmlDocGetRootElement(doc);
	char id[128], version[128];
	bool have_observance = false;
	int rc = PL_OK;

	*out = NULL;
	if (!root || strcmp((const char *)root->name, "calendar") || !root->ns ||
	    strcmp((const char *)root->ns->href, RULES_NS)) {
		rc = pl_diag_set(diag, PL_RULE, path, root ? node_line(root) : 0,
				 "root element is not <calendar> of '%s'", RULES_NS);
		goto out;
	}
	attr_get(root, "id", id, sizeof(id));
	attr_get(root, "version", version, sizeof(version));
	if (!*id || !*version) {
		rc = pl_diag_set(diag, PL_RULE, path, node_line(root),
				 "calendar without id or version");
		goto out;
	}
	cal->id = xstrdup(id);
	cal->version = xasprintf("%s@%s", id, version);

	for (xmlNode *n = root->children; n && rc == PL_OK; n = n->next) {
		const char *name = (const char *)n->name;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp(name, "title"))
			continue;
		if (!strcmp(name, "observance") && !have_observance) {
			have_observance = true;
			rc = compile_observance(cal, n, path, diag);
		} else if (!strcmp(name, "holiday")) {
			rc = compile_holiday(cal, n, path, diag);
		} else {
			rc = pl_diag_set(diag, PL_RULE, path, node_line(n),
					 "unexpected element <%s> in calendar",
					 name);
		}
	}
	if (rc == PL_OK && !have_observance)
		rc = pl_diag_set(diag, PL_RULE, path, node_line(root),
				 "calendar without <observance>");
	if (rc == PL_OK && !cal->nholidays)
		rc = pl_diag_set(diag, PL_RULE, path, node_line(root),
				 "calendar without holidays");
out:
	if (rc == PL_OK)
		*out = cal;
	else
		calendar_free(cal);
	return rc;
}

int calendar_load(struct calendar **out, const char *path,
		  struct pl_diag *diag)
{
	xmlDoc *doc = NULL;
	int rc;

	*out = NULL;
	rc = xmlsafe_read(path, PL_MAX_RULES_FILE_BYTES, &doc, diag);
	if (rc == PL_OK)
		rc = calendar_compile(out, doc, path, diag);
	xmlFreeDoc(doc);
	return rc;
}

void calendar_free(struct calendar *cal)
{
	if (!cal)
		return;
	for (size_t i = 0; i < cal->nholidays; i++)
		free(cal->holidays[i].name);
	free(cal->id);
	free(cal->version);
	free(cal);
}

const char *calendar_id(const struct calendar *cal)
{
	return cal->id;
}

const char *calendar_version(const struct calendar *cal)
{
	return cal->version;
}

/* ---- dates ---- */

static bool holiday_in_year(const struct holiday *h, int year)
{
	return (!h->from_year || year >= h->from_year) &&
	       (!h->to_year || year <= h->to_year);
}

/* The 6103(a) date of h in year. */
static int holiday_date(const struct holiday *h, int year)
{
	int first, last;

	if (h->day)
		return date_from_ymd(year, h->month, h->day);
	if (h->nth == NTH_LAST) {
		last = date_from_ymd(year, h->month,
				     date_days_in_month(year, h->month));
		return last - ((int)date_weekday(last) - (int)h->weekday + 7) % 7;
	}
	first = date_from_ymd(year, h->month, 1);
	return first + ((int)h->weekday - (int)date_weekday(first) + 7) % 7 +
	       (h->nth - 1) * 7;
}

static int observed_date(const struct calendar *cal, int date)
{
	switch (date_weekday(date)) {
	case WD_SAT:
		return date + cal->saturday_shift;
	case WD_SUN:
		return date + cal->sunday_shift;
	default:
		return date;
	}
}

size_t calendar_year(const struct calendar *cal, int year,
		     struct calendar_day *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cal->nholidays && n < max; i++) {
		const struct holiday *h = &cal->holidays[i];
		struct calendar_day day;
		size_t j;

		if (!holiday_in_year(h, year))
			continue;
		day.name = h->name;
		day.date = holiday_date(h, year);
		day.observed = observed_date(cal, day.date);
		/* Insertion in date order; the data need not be sorted. */
		for (j = n; j > 0 && out[j - 1].date > day.date; j--)
			out[j] = out[j - 1];
		out[j] = day;
		n++;
	}
	return n;
}

bool calendar_is_holiday(const struct calendar *cal, int date,
			 enum calendar_method method)
{
	int y, m, d;

	date_to_ymd(date, &y, &m, &d);
	/* An observed day may fall in the neighbouring year. */
	for (int year = y - 1; year <= y + 1; year++) {
		for (size_t i = 0; i < cal->nholidays; i++) {
			const struct holiday *h = &cal->holidays[i];
			int hd;

			if (!holiday_in_year(h, year))
				continue;
			hd = holiday_date(h, year);
			if (hd == date)
				return true;
			if (method == CALENDAR_CONSERVATIVE &&
			    observed_date(cal, hd) == date)
				return true;
		}
	}
	return false;
}

bool calendar_is_business_day(const struct calendar *cal, int date,
			      enum calendar_method method)
{
	enum weekday wd = date_weekday(date);

	return wd != WD_SAT && wd != WD_SUN &&
	       !calendar_is_holiday(cal, date, method);
}

int calendar_add_business_days(const struct calendar *cal, int date, int n,
			       enum calendar_method method)
{
	if (n < 0 || date == INT_MIN)
		PL_BUG("calendar_add_business_days(%d, %d)", date, n);
	if (n == 0) {
		while (!calendar_is_business_day(cal, date, method))
			date++;
		return date;
	}
	while (n > 0) {
		date++;
		if (calendar_is_business_day(cal, date, method))
			n--;
	}
	return date;
}

/* RULE: US-REGF-VALIDATION-PERIOD */
void calendar_validation_dates(const struct calendar *cal, int mail_date,
			       int receipt_days, int period_days,
			       enum calendar_method method,
			       int *receipt_out, int *end_out)
{
	int receipt = calendar_add_business_days(cal, mail_date, receipt_days,
						 method);

	*receipt_out = receipt;
	*end_out = receipt + period_days;
}

const char *calendar_method_name(enum calendar_method method)
{
	return method == CALENDAR_STRICT ? "strict" : "conservative";
}

int calendar_method_parse(const char *name, enum calendar_method *out)
{
	if (!strcmp(name, "strict"))
		*out = CALENDAR_STRICT;
	else if (!strcmp(name, "conservative"))
		*out = CALENDAR_CONSERVATIVE;
	else
		return -1;
	return 0;
}
