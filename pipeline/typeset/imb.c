/*
 * imb.c: the USPS Intelligent Mail barcode, written from USPS-B-3200.
 *
 * The encoding, step by step as the specification numbers them:
 *
 *   1. The routing code becomes a number (0 for none; a 5-, 9- or 11-digit
 *      code plus 1, 100001 or 1000100001, so the lengths never overlap),
 *      and the 20 tracking digits are folded into it: times 10 plus the
 *      first digit, times 5 plus the second (it is 0-4), times 10 plus
 *      each of the other 18. The result fits in 102 bits.
 *   2. An 11-bit frame check sequence (CRC, generator 0xF35, all ones to
 *      start) is computed over those 102 bits, most significant first.
 *   3. The number is cut into ten codewords A..J: J is the remainder by
 *      636, then I, H, ... B the remainders by 1365, and A what is left.
 *   4. J is doubled (J is then even: a reader tells the barcode's
 *      orientation by it), and A gets 659 added when bit 10 of the FCS is
 *      set.
 *   5. Each codeword picks a 13-bit character: codewords 0-1286 from the
 *      table of 13-bit values with five bits set, 1287-1364 from the table
 *      of values with two bits set. Character i (A = 0) is inverted when
 *      FCS bit i is set.
 *   6. Each of the 65 bars takes its descender from one bit of one
 *      character and its ascender from a bit of another, per the
 *      specification's bar-to-character table (bar_map below).
 *
 * The two character tables are not data in the specification but a rule,
 * so they are generated, once: walk the 13-bit values upwards; a value
 * with the right number of bits whose bit-reversal is smaller was already
 * placed with its partner and is skipped; one that is its own reversal
 * goes at the end of the table (filled backwards); any other goes at the
 * front, followed by its reversal.
 *
 * 102 bits do not fit in a C integer, so the number is kept as four
 * 32-bit limbs; only multiply-and-add and division by a small number are
 * needed.
 */
#include "../pl.h"
#include "imb.h"
#include "stencil.h"

/* ---- dimensions (USPS-B-3200 2.3; PRINT.md) ---- */

/*
 * The bars are drawn as a stencil (stencil.h) of 2 x 65 - 1 columns, a
 * bar and a space each half the pitch, and three rows of a third of the
 * full height each (ascender zone, tracker, descender zone): bar width
 * 0.0227 in (0.020 +- 0.005), pitch 1/22 in (22 +- 2 a inch), tracker
 * 0.0483 in, ascender and descender 0.0967 in, full bar 0.145 in.
 */
#define PT_PER_IN 72.0
#define IMB_PITCH_IN (1.0 / 22.0)          /* 22 bars per inch */
#define IMB_BAR_WIDTH_IN (IMB_PITCH_IN / 2.0)
#define IMB_FULL_IN 0.145                  /* full bar height */
#define IMB_ZONE_IN (IMB_FULL_IN / 3.0)    /* one row: tracker, ascender zone */

/* ---- the encoding's constants ---- */

#define IMB_CHARS 10
#define IMB_TABLE5_LEN 1287     /* C(13, 5) */
#define IMB_TABLE2_LEN 78       /* C(13, 2) */
#define IMB_CRC_POLY 0xF35
#define IMB_CRC_MASK 0x7FF
#define IMB_DATA_BITS 102
#define IMB_CHAR_MASK 0x1FFF

/*
 * Bar-to-character table (USPS-B-3200 Appendix, "Bar to Character
 * Mapping"): for bars 1 to 65 from the left, the character (A-J) and bit
 * (0 = least significant) of its descender, then of its ascender.
 */
static const struct {
	char desc_char;
	unsigned char desc_bit;
	char asc_char;
	unsigned char asc_bit;
} bar_map[IMB_BARS] = {
	{ 'H', 2, 'E', 3 },   { 'B', 10, 'A', 0 },  { 'J', 12, 'C', 8 },
	{ 'F', 5, 'G', 11 },  { 'I', 9, 'D', 1 },   { 'A', 1, 'F', 12 },
	{ 'C', 5, 'B', 8 },   { 'E', 4, 'J', 11 },  { 'G', 3, 'I', 10 },
	{ 'D', 9, 'H', 6 },   { 'F', 11, 'B', 4 },  { 'I', 5, 'C', 12 },
	{ 'J', 10, 'A', 2 },  { 'H', 1, 'G', 7 },   { 'D', 6, 'E', 9 },
	{ 'A', 3, 'I', 6 },   { 'G', 4, 'C', 7 },   { 'B', 1, 'J', 9 },
	{ 'H', 10, 'F', 2 },  { 'E', 0, 'D', 8 },   { 'G', 2, 'A', 4 },
	{ 'I', 11, 'B', 0 },  { 'J', 8, 'D', 12 },  { 'C', 6, 'H', 7 },
	{ 'F', 1, 'E', 10 },  { 'B', 12, 'G', 9 },  { 'H', 3, 'I', 0 },
	{ 'F', 8, 'J', 7 },   { 'E', 6, 'C', 10 },  { 'D', 4, 'A', 5 },
	{ 'I', 4, 'F', 7 },   { 'H', 11, 'B', 9 },  { 'G', 0, 'J', 6 },
	{ 'A', 6, 'E', 8 },   { 'C', 1, 'D', 2 },   { 'F', 9, 'I', 12 },
	{ 'E', 11, 'G', 1 },  { 'J', 5, 'H', 4 },   { 'D', 3, 'B', 2 },
	{ 'A', 7, 'C', 0 },   { 'B', 3, 'E', 1 },   { 'G', 10, 'D', 5 },
	{ 'I', 7, 'J', 4 },   { 'C', 11, 'F', 6 },  { 'A', 8, 'H', 12 },
	{ 'E', 2, 'I', 1 },   { 'F', 10, 'D', 0 },  { 'J', 3, 'A', 9 },
	{ 'G', 5, 'C', 4 },   { 'H', 8, 'B', 7 },   { 'F', 0, 'E', 5 },
	{ 'C', 3, 'A', 10 },  { 'G', 12, 'J', 2 },  { 'D', 11, 'B', 6 },
	{ 'I', 8, 'H', 9 },   { 'F', 4, 'A', 11 },  { 'B', 5, 'C', 2 },
	{ 'J', 1, 'E', 12 },  { 'I', 3, 'G', 6 },   { 'H', 0, 'D', 7 },
	{ 'E', 7, 'H', 5 },   { 'A', 12, 'B', 11 }, { 'C', 9, 'J', 0 },
	{ 'G', 8, 'F', 3 },   { 'D', 10, 'I', 2 },
};

/*
 * ---- the character tables, generated once ----
 *
 * On first use, without a lock: fairnotice typesets on one thread.
 */

static uint16_t table5[IMB_TABLE5_LEN];
static uint16_t table2[IMB_TABLE2_LEN];
static bool tables_ready;

static unsigned reverse13(unsigned v)
{
	unsigned r = 0;

	for (int i = 0; i < 13; i++)
		if (v & (1u << i))
			r |= 1u << (12 - i);
	return r;
}

static unsigned bits_set(unsigned v)
{
	unsigned n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static void table_build(uint16_t *table, size_t len, unsigned ones)
{
	size_t front = 0, back = len;

	for (unsigned v = 0; v <= IMB_CHAR_MASK; v++) {
		unsigned r;

		if (bits_set(v) != ones)
			continue;
		r = reverse13(v);
		if (r < v)
			continue;
		if (r == v) {
			if (back <= front)
				PL_BUG("IMb %u-of-13 table overflows", ones);
			table[--back] = (uint16_t)v;
		} else {
			if (front + 2 > back)
				PL_BUG("IMb %u-of-13 table overflows", ones);
			table[front++] = (uint16_t)v;
			table[front++] = (uint16_t)r;
		}
	}
	if (front != back)
		PL_BUG("IMb %u-of-13 table has %zu entries, not %zu", ones,
		       len - (back - front), len);
}

static void tables_init(void)
{
	if (tables_ready)
		return;
	table_build(table5, IMB_TABLE5_LEN, 5);
	table_build(table2, IMB_TABLE2_LEN, 2);
	tables_ready = true;
}

/* ---- a 102-bit number as four 32-bit limbs, least significant first ---- */

struct big {
	uint32_t limb[4];
};

static void big_mul_add(struct big *n, uint32_t mul, uint32_t add)
{
	uint64_t carry = add;

	for (int i = 0; i < 4; i++) {
		uint64_t t = (uint64_t)n->limb[i] * mul + carry;
		n->limb[i] = (uint32_t)t;
		carry = t >> 32;
	}
	if (carry)
		PL_BUG("IMb data overflows 128 bits");
}

/* n /= div; returns the remainder. */
static uint32_t big_divmod(struct big *n, uint32_t div)
{
	uint64_t rem = 0;

	for (int i = 3; i >= 0; i--) {
		uint64_t t = (rem << 32) | n->limb[i];
		n->limb[i] = (uint32_t)(t / div);
		rem = t % div;
	}
	return (uint32_t)rem;
}

static unsigned big_bit(const struct big *n, unsigned i)
{
	return (n->limb[i / 32] >> (i % 32)) & 1u;
}

/* The frame check sequence over the 102 data bits, most significant first. */
static unsigned imb_crc11(const struct big *n)
{
	unsigned fcs = IMB_CRC_MASK;

	for (int i = IMB_DATA_BITS - 1; i >= 0; i--) {
		unsigned feedback = ((fcs >> 10) ^ big_bit(n, (unsigned)i)) & 1u;

		fcs = ((fcs << 1) ^ (feedback ? IMB_CRC_POLY : 0)) & IMB_CRC_MASK;
	}
	return fcs;
}

/* ---- input checks ---- */

static bool all_digits(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int imb_tracking(char out[21], const char *barcode_id, const char *service_type,
		 const char *mailer_id, unsigned long serial)
{
	unsigned long modulus;
	size_t mid_len;

	out[0] = '\0';
	if (!barcode_id || !service_type || !mailer_id)
		return -1;
	if (!all_digits(barcode_id, 2) || barcode_id[1] > '4')
		return -1;
	if (!all_digits(service_type, 3))
		return -1;
	mid_len = strlen(mailer_id);
	/* A 6-digit mailer id never starts with 9; a 9-digit one always does. */
	if (mid_len == 6 && all_digits(mailer_id, 6) && mailer_id[0] != '9')
		modulus = 1000000000ul;
	else if (mid_len == 9 && all_digits(mailer_id, 9) && mailer_id[0] == '9')
		modulus = 1000000ul;
	else
		return -1;
	snprintf(out, 21, "%s%s%s%0*lu", barcode_id, service_type, mailer_id,
		 mid_len == 6 ? 9 : 6, serial % modulus);
	return 0;
}

/* The routing code as the number step 1 starts from; -1 on a bad code. */
static int routing_value(const char *routing, struct big *n)
{
	size_t len = strlen(routing);
	uint64_t v = 0;

	memset(n, 0, sizeof(*n));
	if (len != 0 && len != 5 && len != 9 && len != 11)
		return -1;
	if (!all_digits(routing, len))
		return -1;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(routing[i] - '0');
	if (len == 5)
		v += 1;
	else if (len == 9)
		v += 100001;
	else if (len == 11)
		v += 1000100001;
	n->limb[0] = (uint32_t)v;
	n->limb[1] = (uint32_t)(v >> 32);
	return 0;
}

/* ---- encode ---- */

int imb_encode(const char *tracking, const char *routing, char bars[IMB_BARS + 1])
{
	struct big n;
	unsigned codeword[IMB_CHARS], character[IMB_CHARS], fcs;

	bars[0] = '\0';
	if (!tracking || !routing || !all_digits(tracking, 20) || tracking[1] > '4')
		return -1;
	if (routing_value(routing, &n) != 0)
		return -1;
	tables_init();

	/* Step 1: fold the tracking digits in. */
	big_mul_add(&n, 10, (uint32_t)(tracking[0] - '0'));
	big_mul_add(&n, 5, (uint32_t)(tracking[1] - '0'));
	for (int i = 2; i < 20; i++)
		big_mul_add(&n, 10, (uint32_t)(tracking[i] - '0'));

	/* Step 2. */
	fcs = imb_crc11(&n);

	/* Step 3: J first, then I .. B; A is what remains (below 659). */
	codeword[9] = big_divmod(&n, 636);
	for (int i = 8; i >= 1; i--)
		codeword[i] = big_divmod(&n, 1365);
	codeword[0] = big_divmod(&n, 1365);
	if (codeword[0] >= 659 || n.limb[0] || n.limb[1] || n.limb[2] || n.limb[3])
		PL_BUG("IMb codeword A out of range for '%s-%s'", tracking, routing);

	/* Step 4. */
	codeword[9] *= 2;
	if (fcs & (1u << 10))
		codeword[0] += 659;

	/* Step 5. */
	for (int i = 0; i < IMB_CHARS; i++) {
		unsigned c = codeword[i] < IMB_TABLE5_LEN
			? table5[codeword[i]]
			: table2[codeword[i] - IMB_TABLE5_LEN];
		if (fcs & (1u << i))
			c = ~c & IMB_CHAR_MASK;
		character[i] = c;
	}

	/* Step 6. */
	for (int i = 0; i < IMB_BARS; i++) {
		unsigned d = (character[bar_map[i].desc_char - 'A'] >>
			      bar_map[i].desc_bit) & 1u;
		unsigned a = (character[bar_map[i].asc_char - 'A'] >>
			      bar_map[i].asc_bit) & 1u;

		bars[i] = a ? (d ? 'F' : 'A') : (d ? 'D' : 'T');
	}
	bars[IMB_BARS] = '\0';
	return 0;
}

/* ---- draw ---- */

double imb_width_pt(void)
{
	return ((IMB_BARS - 1) * IMB_PITCH_IN + IMB_BAR_WIDTH_IN) * PT_PER_IN;
}

double imb_height_pt(void)
{
	return IMB_FULL_IN * PT_PER_IN;
}

/*
 * One stencil, one operation: bar i is column 2i; F fills its three
 * rows, A the top two, D the bottom two, T the middle one. The 260
 * numbers of 65 path rectangles were a third of page 1's content stream
 * and a tenth of a letter's time.
 */
int imb_draw(cairo_t *cr, double x, double y, const char bars[IMB_BARS + 1],
	     struct pl_diag *diag)
{
	struct stencil st;
	int rc = stencil_init(&st, 2 * IMB_BARS - 1, 3, "Intelligent Mail barcode", diag);

	if (rc != PL_OK)
		return rc;
	for (int i = 0; i < IMB_BARS && bars[i]; i++) {
		int col = 2 * i;

		switch (bars[i]) {
		case 'F':
			stencil_set(&st, col, 0);
			stencil_set(&st, col, 1);
			stencil_set(&st, col, 2);
			break;
		case 'A':
			stencil_set(&st, col, 0);
			stencil_set(&st, col, 1);
			break;
		case 'D':
			stencil_set(&st, col, 1);
			stencil_set(&st, col, 2);
			break;
		case 'T':
			stencil_set(&st, col, 1);
			break;
		default:
			PL_BUG("IMb bar '%c' is not one of F, A, D, T", bars[i]);
		}
	}
	stencil_paint(&st, cr, x, y, IMB_BAR_WIDTH_IN * PT_PER_IN,
		      IMB_ZONE_IN * PT_PER_IN);
	return PL_OK;
}
