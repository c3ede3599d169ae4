/*
 * u-core.c: buf, arena, date, money and digest.
 */
#include "pl.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/diag.h"
#include "core/digest.h"
#include "core/money.h"
#include "tap.h"

static void test_buf(void)
{
	struct buf b = BUF_INIT(8);

	ok(buf_addstr(&b, "abcd") == PL_OK, "buf: add within cap");
	ok(buf_addf(&b, "%d", 1234) == PL_OK, "buf: addf to the cap");
	is_str(buf_str(&b), "abcd1234", "buf: content");
	ok(buf_addch(&b, 'x') == PL_LIMIT, "buf: one past the cap is PL_LIMIT");
	is_str(buf_str(&b), "abcd1234", "buf: unchanged after refusal");
	buf_release(&b);
	is_str(buf_str(&b), "", "buf: empty after release");
}

static void test_arena(void)
{
	struct arena a;
	char *s;
	void *big;

	arena_init(&a);
	s = arena_printf(&a, "%s-%d", "acct", 7);
	is_str(s, "acct-7", "arena: printf");
	big = arena_alloc(&a, 200000);
	ok(big != NULL && ((uintptr_t)big % 16) == 0, "arena: big aligned block");
	arena_clear(&a);
	is_int(a.used_total, 0, "arena: clear resets usage");
	s = arena_strdup(&a, "again");
	is_str(s, "again", "arena: reuse after clear");
	arena_release(&a);
}

static void test_date(void)
{
	int d, y, m, dd;
	char iso[PL_DATE_ISO_LEN], longd[40];

	ok(date_parse_iso("2026-11-23", &d) == 0, "date: parse");
	is_int(date_weekday(d), WD_MON, "date: 2026-11-23 is a Monday");
	date_to_ymd(d + 38, &y, &m, &dd);
	ok(y == 2026 && m == 12 && dd == 31, "date: add days across months");
	is_str(date_format_iso(d + 39, iso), "2027-01-01", "date: format across a year");
	ok(date_parse_iso("2024-02-29", &d) == 0, "date: leap day 2024");
	ok(date_parse_iso("2023-02-29", &d) != 0, "date: no leap day 2023");
	ok(date_parse_iso("2100-02-29", &d) != 0, "date: 2100 not leap");
	ok(date_parse_iso("2026-13-01", &d) != 0, "date: month 13");
	ok(date_parse_iso("2026-1-01", &d) != 0, "date: short month");
	ok(date_parse_iso("2026-01-01x", &d) != 0, "date: trailing junk");
	ok(date_parse_iso("20260101", &d) != 0, "date: no dashes");
	ok(date_parse_iso("2017-01-02", &d) == 0, "date: parse 2017");
	is_str(date_format_long_en(d, longd, sizeof(longd)), "January 2, 2017",
	       "date: long English form");
	is_int(date_from_ymd(1970, 1, 1), 0, "date: epoch is day 0");
}

static void test_money(void)
{
	int64_t c;
	char out[40];

	ok(money_parse("2234.56", false, &c) == 0 && c == 223456, "money: two decimals");
	ok(money_parse("75", false, &c) == 0 && c == 7500, "money: whole");
	ok(money_parse("0.5", false, &c) == 0 && c == 50, "money: one decimal");
	ok(money_parse("0", false, &c) == 0 && c == 0, "money: zero");
	ok(money_parse("1.234", false, &c) != 0, "money: three decimals refused");
	ok(money_parse("12a", false, &c) != 0, "money: letters refused");
	ok(money_parse("$12", false, &c) != 0, "money: dollar sign refused");
	ok(money_parse("1,200.00", false, &c) != 0, "money: thousands separator refused");
	ok(money_parse("-5.00", false, &c) != 0, "money: negative refused by default");
	ok(money_parse("-5.00", true, &c) == 0 && c == -500, "money: negative allowed");
	ok(money_parse("", false, &c) != 0, "money: empty refused");
	ok(money_parse(".50", false, &c) != 0, "money: no leading digit refused");
	ok(money_parse("5.", false, &c) != 0, "money: bare point refused");
	ok(money_parse("99999999999999", false, &c) != 0, "money: over the cap refused");
	ok(money_parse("1e3", false, &c) != 0, "money: exponent refused");
	is_str(money_format(223456, out, sizeof(out)), "2,234.56", "money: format grouped");
	is_str(money_format(5, out, sizeof(out)), "0.05", "money: format cents");
	is_str(money_format(-100000, out, sizeof(out)), "-1,000.00", "money: format negative");
	is_str(money_format(123456789012, out, sizeof(out)), "1,234,567,890.12", "money: format large");
}

static void test_digest(void)
{
	char hex[PL_SHA256_HEX];

	sha256_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "digest: SHA-256 of 'abc' (FIPS 180-2 example)");
}

int main(void)
{
	test_buf();
	test_arena();
	test_date();
	test_money();
	test_digest();
	return tap_done();
}
