#!/usr/bin/env python3
"""make-corpus.py: write the ingest corpus of malformed and hostile inputs.

Run from anywhere; it rewrites the files next to it and MANIFEST. The
files are committed (the corpus is a record, like a fuzz corpus): run this
only to add cases, and review the diff. Each case is built from the good
accounts of fixtures/formats/accounts.csv, with good records before and
after the bad one, so the test (tests/unit/u-ingest-corpus.c) also shows
that the good records still come through.

MANIFEST columns: file, spec, good, rejected, codes.
  spec   csv | csv-1252 | xml | map:MAPPING:RECORD | fixed:LAYOUT[:ENCODING]
         (paths relative to this directory)
  codes  the set of reject codes expected, comma-separated and sorted;
         "-" for none; "FATAL" when the file must stop the run.
"""
import csv
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
ROWS = list(csv.DictReader(open(os.path.join(TOP, 'fixtures/formats/accounts.csv'), encoding='utf-8')))
COLS = list(ROWS[0].keys())
VENDOR_XSL = '../../fixtures/formats/mappings/vendor-letter.xsl'
LEGACY_LAYOUT = '../../fixtures/formats/layouts/legacy.xml'
NS = 'urn:fairnotice:accounts:1'

manifest = []


def put(name, data, spec, good, rejected, codes):
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode('utf-8')
    with open(path, 'wb') as f:
        f.write(data)
    manifest.append((name, spec, good, rejected, codes))


def row(i, **change):
    r = dict(ROWS[i % len(ROWS)])
    r['account_id'] = change.pop('account_id', 'CP-%d' % i)
    r.update(change)
    return r


def csv_line(r, cols=COLS):
    out = []
    for c in cols:
        v = r.get(c, '')
        if any(ch in v for ch in ',"\r\n'):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return ','.join(out)


def csv_file(middle, before=2, after=1):
    """Header, `before` good rows, the bad lines, `after` good rows."""
    lines = [','.join(COLS)]
    lines += [csv_line(row(i)) for i in range(before)]
    lines += middle
    lines += [csv_line(row(100 + i)) for i in range(after)]
    return '\r\n'.join(lines) + '\r\n'


def bad_csv(name, codes, **change):
    put('csv/' + name, csv_file([csv_line(row(50, **change))]), 'csv', 3, 1, codes)


# ---- canonical CSV ----

put('csv/truncated-mid-record.csv',
    csv_file([], 2, 0) + csv_line(row(50))[:60], 'csv', 2, 1, 'FIELD_COUNT')
put('csv/truncated-in-quote.csv',
    csv_file([], 2, 0) + 'CP-50,C-1,"Rockville Fund', 'csv', 2, 1, 'BAD_CSV')
R50 = row(50)
put('csv/bare-quote.csv',
    csv_file([csv_line(R50).replace(R50['creditor_name'], 'Metro "Auto" Finance')]),
    'csv', 3, 1, 'BAD_CSV')
put('csv/junk-after-quote.csv',
    csv_file([csv_line(R50).replace(R50['creditor_name'], '"Metro Auto"x Finance')]),
    'csv', 3, 1, 'BAD_CSV')
put('csv/too-many-fields.csv', csv_file([csv_line(row(50)) + ',extra,extra']),
    'csv', 3, 1, 'FIELD_COUNT')
put('csv/too-few-fields.csv', csv_file([','.join(csv_line(row(50)).split(',')[:10])]),
    'csv', 3, 1, 'FIELD_COUNT')
put('csv/fields-over-cap.csv', csv_file([csv_line(row(50)) + ',' * 200]),
    'csv', 3, 1, 'FIELD_COUNT')
bad_csv('date-feb-30.csv', 'BAD_DATE', itemization_date='2026-02-30')
bad_csv('date-month-13.csv', 'BAD_DATE', delinquency_date='2025-13-01')
bad_csv('date-us-format.csv', 'BAD_DATE', delinquency_date='01/15/2025')
bad_csv('date-year-0.csv', 'BAD_DATE', itemization_date='0000-01-01')
bad_csv('date-in-future.csv', 'DATE_IN_FUTURE', delinquency_date='2027-01-01')
bad_csv('amount-3-decimals.csv', 'BAD_AMOUNT', amount_at_itemization='882.481')
bad_csv('amount-letters.csv', 'BAD_AMOUNT', fees_since='4five.14')
bad_csv('amount-dollar-sign.csv', 'BAD_AMOUNT', current_balance='$927.62')
bad_csv('amount-thousands-comma.csv', 'BAD_AMOUNT', amount_at_itemization='1,882.48')
bad_csv('amount-negative.csv', 'BAD_AMOUNT', payments_since='-1.00')
bad_csv('amount-huge.csv', 'BAD_AMOUNT', amount_at_itemization='99999999999999999999.00')
bad_csv('amount-exponent.csv', 'BAD_AMOUNT', amount_at_itemization='8.8248e2')
bad_csv('balance-does-not-add-up.csv', 'BALANCE_MISMATCH', current_balance='1000.00')
bad_csv('balance-off-by-one-cent.csv', 'BALANCE_MISMATCH', current_balance='927.63')
bad_csv('missing-account-id.csv', 'MISSING_FIELD', account_id='')
bad_csv('missing-last-name.csv', 'MISSING_FIELD', last_name='   ')
bad_csv('unknown-state.csv', 'UNKNOWN_STATE', state='XX')
bad_csv('lowercase-state.csv', 'UNKNOWN_STATE', state='ny')
bad_csv('bad-zip.csv', 'BAD_POSTAL_CODE', postal_code='1120')
bad_csv('bad-debt-type.csv', 'BAD_VALUE', debt_type='payday')
bad_csv('bad-language.csv', 'BAD_VALUE', language='fr')
put('csv/duplicate-ids.csv',
    csv_file([csv_line(row(50, account_id='CP-0'))]), 'csv', 3, 1, 'DUPLICATE_ACCOUNT_ID')
put('csv/field-1mb.csv', csv_file([csv_line(row(50, last_name='A' * (1 << 20)))]),
    'csv', 3, 1, 'FIELD_TOO_LONG')
put('csv/record-over-64k.csv',
    csv_file([csv_line(row(50, address_line2='B' * 4000, original_creditor='C' * 4000,
                                middle_name='D' * 4000, name_suffix='E' * 4000,
                                portal_code='F' * 4000, first_name='G' * 4000,
                                city='H' * 4000, creditor_name='I' * 4000,
                                address_line1='J' * 4000, last_name='K' * 4000,
                                consumer_id='L' * 4000, creditor_account_ref='M' * 4000,
                                charge_off_date='N' * 4000, last_payment_date='O' * 4000,
                                state='P' * 4000, postal_code='Q' * 4000,
                                language='R' * 4000))]),
    'csv', 3, 1, 'FIELD_TOO_LONG')
put('csv/invalid-utf8.csv',
    csv_file([csv_line(row(50, last_name='MXller'))]).encode('utf-8').replace(b'MXller', b'M\xfcller'),
    'csv', 3, 1, 'BAD_ENCODING')
put('csv/overlong-utf8.csv',
    csv_file([csv_line(row(50, last_name='XSLASHX'))]).encode('utf-8').replace(b'XSLASHX', b'a\xc0\xafb'),
    'csv', 3, 1, 'BAD_ENCODING')
put('csv/surrogate-utf8.csv',
    csv_file([csv_line(row(50, city='XSURX'))]).encode('utf-8').replace(b'XSURX', b'\xed\xa0\x80'),
    'csv', 3, 1, 'BAD_ENCODING')
put('csv/nul-byte.csv',
    csv_file([csv_line(row(50, first_name='XNULX'))]).encode('utf-8').replace(b'XNULX', b'Fran\x00cois'),
    'csv', 3, 1, 'BAD_ENCODING')
put('csv/cp1252-undefined-byte.csv',
    csv_file([csv_line(row(50, last_name='XUNDX'))]).encode('cp1252').replace(b'XUNDX', b'Bad\x81Byte'),
    'csv-1252', 3, 1, 'BAD_ENCODING')
put('csv/latin1-declared-utf8.csv',
    csv_file([csv_line(row(50, last_name='XLATX'))]).encode('utf-8').replace(b'XLATX', b'Pe\xf1a'),
    'csv', 3, 1, 'BAD_ENCODING')
put('csv/header-only.csv', ','.join(COLS) + '\r\n', 'csv', 0, 0, '-')
put('csv/empty.csv', '', 'csv', 0, 0, 'FATAL')
put('csv/unknown-column.csv', csv_file([]).replace('account_id,', 'acount_id,', 1), 'csv', 0, 0, 'FATAL')
put('csv/missing-required-column.csv',
    '\r\n'.join(','.join(l.split(',')[1:]) for l in csv_file([]).split('\r\n')), 'csv', 0, 0, 'FATAL')
put('csv/formula-injection.csv',
    csv_file([csv_line(row(50, last_name='=HYPERLINK("http://evil.example","x")',
                            first_name='@SUM(1+1)*cmd|\' /C calc\'!A0'))]),
    'csv', 4, 0, '-')
put('csv/markup-in-names.csv',
    csv_file([csv_line(row(50, last_name='<script>alert(1)</script> & "Sons"',
                            address_line2='<![CDATA[x]]> &amp; &#x26;'))]),
    'csv', 4, 0, '-')

# ---- canonical XML ----


def xml_account(r, extra='', skip=(), attrs=''):
    from xml.sax.saxutils import escape
    out = ['  <account%s>' % attrs]
    for c in COLS:
        if c in skip or r.get(c, '') == '':
            continue
        out.append('    <%s>%s</%s>' % (c, escape(r[c]), c))
    if extra:
        out.append(extra)
    out.append('  </account>')
    return '\n'.join(out)


def xml_file(middle, before=2, after=1, head='', root='<accounts xmlns="%s">' % NS,
             end='</accounts>'):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>']
    if head:
        parts.append(head)
    parts.append(root)
    parts += [xml_account(row(i)) for i in range(before)]
    parts += middle
    parts += [xml_account(row(100 + i)) for i in range(after)]
    if end:
        parts.append(end)
    return '\n'.join(parts) + '\n'


def bad_xml(name, codes, good=3, rejected=1, **change):
    put('xml/' + name, xml_file([xml_account(row(50, **change))]), 'xml', good, rejected, codes)


XXE_FILE = '<!DOCTYPE accounts [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>'
put('xml/xxe-file.xml', xml_file([xml_account(row(50)).replace('<city>', '<city>&xxe;')],
                                 head=XXE_FILE), 'xml', 0, 1, 'BAD_XML')
put('xml/xxe-network.xml',
    xml_file([xml_account(row(50)).replace('<city>', '<city>&xxe;')],
             head='<!DOCTYPE accounts [ <!ENTITY xxe SYSTEM "http://127.0.0.1:9/x"> ]>'),
    'xml', 0, 1, 'BAD_XML')
put('xml/xxe-parameter-entity.xml',
    xml_file([], head='<!DOCTYPE accounts [ <!ENTITY % p SYSTEM "file:///etc/passwd"> %p; ]>'),
    'xml', 0, 1, 'BAD_XML')
put('xml/external-dtd.xml', xml_file([], head='<!DOCTYPE accounts SYSTEM "http://127.0.0.1:9/a.dtd">'),
    'xml', 0, 1, 'BAD_XML')
LAUGHS = '<!DOCTYPE accounts [\n <!ENTITY lol "lol">\n' + ''.join(
    ' <!ENTITY lol%d "%s">\n' % (i, ('&lol%s;' % ('' if i == 1 else i - 1)) * 10) for i in range(1, 10)) + ']>'
put('xml/billion-laughs.xml', xml_file([xml_account(row(50)).replace('<city>', '<city>&lol9;')],
                                       head=LAUGHS), 'xml', 0, 1, 'BAD_XML')
put('xml/quadratic-blowup.xml',
    xml_file([xml_account(row(50)).replace('<city>', '<city>' + '&a;' * 5000)],
             head='<!DOCTYPE accounts [ <!ENTITY a "%s"> ]>' % ('x' * 50000)),
    'xml', 0, 1, 'BAD_XML')
put('xml/undeclared-entity.xml', xml_file([xml_account(row(50)).replace('<city>', '<city>&nbsp;')]),
    'xml', 2, 1, 'BAD_XML')
put('xml/xinclude.xml',
    xml_file([xml_account(row(50), extra='    <xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>')]),
    'xml', 3, 1, 'SCHEMA')
put('xml/not-well-formed.xml', xml_file([xml_account(row(50)).replace('</city>', '</town>')]),
    'xml', 2, 1, 'BAD_XML')
# libxml2's reader parses ahead of the node it hands out, so when the
# document breaks, the record just before the break may not be finished
# yet: it is then part of the one rejected tail (whose line is that
# record's), and nothing is lost. Here that is the second good record.
put('xml/truncated.xml', xml_file([xml_account(row(50))[:200]], after=0, end=''),
    'xml', 1, 1, 'BAD_XML')
put('xml/invalid-utf8.xml',
    xml_file([xml_account(row(50, last_name='XBADX'))]).encode('utf-8').replace(b'XBADX', b'M\xfcller'),
    'xml', 1, 1, 'BAD_ENCODING')   # parse-ahead, as truncated.xml
put('xml/empty-file.xml', '', 'xml', 0, 1, 'BAD_XML')
put('xml/empty-accounts.xml', '<accounts xmlns="%s"/>\n' % NS, 'xml', 0, 0, '-')
put('xml/wrong-root.xml', xml_file([], root='<placements xmlns="%s">' % NS, end='</placements>'),
    'xml', 0, 1, 'SCHEMA')
put('xml/no-namespace.xml', xml_file([], root='<accounts>'), 'xml', 0, 1, 'SCHEMA')
put('xml/unknown-element.xml', xml_file([xml_account(row(50), extra='    <acount_id>x</acount_id>')]),
    'xml', 3, 1, 'SCHEMA')
put('xml/duplicate-element.xml', xml_file([xml_account(row(50), extra='    <city>Again</city>')]),
    'xml', 3, 1, 'SCHEMA')
put('xml/element-in-field.xml',
    xml_file([xml_account(R50).replace('<city>Dallas</city>', '<city><b>Dallas</b></city>')]),
    'xml', 3, 1, 'SCHEMA')
put('xml/attribute-on-account.xml', xml_file([xml_account(row(50), attrs=' id="x"')]),
    'xml', 3, 1, 'SCHEMA')
put('xml/text-between-accounts.xml', xml_file(['  stray text']), 'xml', 3, 1, 'SCHEMA')
put('xml/unexpected-element.xml', xml_file(['  <note>not an account</note>']), 'xml', 3, 1, 'SCHEMA')
put('xml/field-1mb.xml', xml_file([xml_account(row(50, last_name='A' * (1 << 20)))]),
    'xml', 3, 1, 'FIELD_TOO_LONG')
put('xml/record-over-64k.xml',
    xml_file([xml_account(row(50, address_line2='B' * 4000, original_creditor='C' * 4000,
                                middle_name='D' * 4000, name_suffix='E' * 4000,
                                portal_code='F' * 4000, first_name='G' * 4000,
                                city='H' * 4000, creditor_name='I' * 4000,
                                address_line1='J' * 4000, last_name='K' * 4000,
                                consumer_id='L' * 4000, creditor_account_ref='M' * 4000,
                                charge_off_date='N' * 4000, last_payment_date='O' * 4000,
                                state='P' * 4000, postal_code='Q' * 4000,
                                language='R' * 4000))]),
    'xml', 3, 1, 'FIELD_TOO_LONG')
bad_xml('bad-date.xml', 'BAD_DATE', itemization_date='2026-02-30')
bad_xml('amount-3-decimals.xml', 'BAD_AMOUNT', amount_at_itemization='882.481')
bad_xml('balance-mismatch.xml', 'BALANCE_MISMATCH', current_balance='1.00')
put('xml/missing-element.xml', xml_file([xml_account(row(50), skip=('creditor_name',))]),
    'xml', 3, 1, 'MISSING_FIELD')
put('xml/duplicate-ids.xml', xml_file([xml_account(row(50, account_id='CP-1'))]),
    'xml', 3, 1, 'DUPLICATE_ACCOUNT_ID')
put('xml/cdata-and-markup-text.xml',
    xml_file([xml_account(R50).replace('<city>Dallas</city>',
                                       '<city><![CDATA[Dallas <&> ]]>&amp;&#x41;</city>')]),
    'xml', 4, 0, '-')
put('xml/nested-markup-in-field.xml',
    xml_file([xml_account(row(50), extra='    <portal_code>' + '<x>' * 100 + '</x>' * 100 + '</portal_code>')]),
    'xml', 3, 1, 'SCHEMA')
put('xml/too-deep.xml',
    xml_file([xml_account(row(50), extra='    <portal_code>' + '<x>' * 5000 + '</x>' * 5000 + '</portal_code>')]),
    'xml', 2, 1, 'BAD_XML')

# ---- agency XML through a mapping ----


def vendor_file(records, head=''):
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    if head:
        out.append(head)
    out.append('<LetterFile xmlns="http://vendor.example/schemas/letterfile/3">')
    out += records
    out.append('</LetterFile>')
    return '\n'.join(out) + '\n'


def vendor_record(i, product='MED', extra=''):
    r = row(i)
    return ('  <LetterRecord><AgencyAccountNo>%s</AgencyAccountNo><DebtorId>%s</DebtorId>'
            '<CurrentCreditor>Saint Mary Medical Center</CurrentCreditor>'
            '<CreditorAccountNo>4657-2013-7499</CreditorAccountNo><ProductCode>%s</ProductCode>'
            '<Name1First>Fran\u00e7ois</Name1First><Name1Last>M\u00fcller</Name1Last>'
            '<Addr1>88 Park Ave</Addr1><City>Brooklyn</City><StateCode>NY</StateCode><Zip>11201</Zip>'
            '<LanguageCode>ENG</LanguageCode><RegF_ItemizationDateType>LS</RegF_ItemizationDateType>'
            '<RegF_ItemizationDate>01/08/2026</RegF_ItemizationDate><RegF_ItemizationAmount>882.48</RegF_ItemizationAmount>'
            '<RegF_FeesSinceItemization>45.14</RegF_FeesSinceItemization><RegF_CurrentBalance>927.62</RegF_CurrentBalance>'
            '<DelinquencyDate>01/18/2025</DelinquencyDate>%s</LetterRecord>' % (r['account_id'], r['consumer_id'], product, extra))


GOOD3 = [vendor_record(1), vendor_record(2), vendor_record(3)]
VMAP = 'map:%s:LetterRecord' % VENDOR_XSL


def mapping(name, body, template_extra=''):
    text = ('<?xml version="1.0"?>\n<xsl:stylesheet version="1.0" '
            'xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
            'xmlns:lf="http://vendor.example/schemas/letterfile/3" '
            'xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl" '
            'xmlns="urn:fairnotice:accounts:1" exclude-result-prefixes="lf">\n%s\n</xsl:stylesheet>\n' % body)
    put_raw('map/mappings/' + name, text)
    return 'map:map/mappings/%s:LetterRecord' % name


def put_raw(name, text):
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


put('map/good-with-bad-product.xml', vendor_file(GOOD3 + [vendor_record(4, product='XX')]),
    VMAP, 3, 1, 'BAD_VALUE')
put('map/xxe.xml', vendor_file(GOOD3, head=XXE_FILE.replace('accounts', 'LetterFile')), VMAP, 0, 1, 'BAD_XML')
put('map/billion-laughs.xml', vendor_file(GOOD3, head=LAUGHS.replace('accounts', 'LetterFile')),
    VMAP, 0, 1, 'BAD_XML')
put('map/truncated.xml', vendor_file(GOOD3)[:-200], VMAP, 2, 1, 'BAD_XML')
put('map/no-record-element.xml', vendor_file(GOOD3), 'map:%s:Placement' % VENDOR_XSL, 0, 1, 'SCHEMA')
put('map/write-file.xml', vendor_file(GOOD3), mapping('write-file.xsl',
    '<xsl:template match="/"><exsl:document href="/tmp/fairnotice-corpus-pwned.txt" method="text">x</exsl:document><accounts/></xsl:template>'),
    0, 0, 'FATAL')
put('map/read-outside.xml', vendor_file(GOOD3), mapping('read-outside.xsl',
    '<xsl:template match="/"><accounts><account><account_id><xsl:value-of select="document(\'/etc/hostname\')"/></account_id></account></accounts></xsl:template>'),
    0, 0, 'FATAL')
put('map/network.xml', vendor_file(GOOD3), mapping('network.xsl',
    '<xsl:template match="/"><accounts><account><account_id><xsl:value-of select="document(\'http://127.0.0.1:9/x.xml\')"/></account_id></account></accounts></xsl:template>'),
    0, 0, 'FATAL')
put('map/include.xml', vendor_file(GOOD3), mapping('include.xsl',
    '<xsl:include href="../../../../fixtures/formats/mappings/vendor-letter.xsl"/>'),
    0, 0, 'FATAL')
put('map/not-canonical.xml', vendor_file(GOOD3), mapping('not-canonical.xsl',
    '<xsl:template match="/"><result xmlns="urn:other"/></xsl:template>'), 0, 0, 'FATAL')
put('map/not-xslt.xml', vendor_file(GOOD3), mapping('not-xslt.xsl',
    '<xsl:template match="/[">x</xsl:template>'), 0, 0, 'FATAL')
put('map/terminate-one.xml', vendor_file(GOOD3 + [vendor_record(4, product='STOP')]), mapping('terminate.xsl',
    '<xsl:template match="/"><xsl:if test="//lf:ProductCode = \'STOP\'">'
    '<xsl:message terminate="yes">product STOP may not be mailed</xsl:message></xsl:if>'
    '<accounts><xsl:for-each select="//lf:LetterRecord"><account><account_id><xsl:value-of select="lf:AgencyAccountNo"/></account_id>'
    '<creditor_name>C</creditor_name><creditor_account_ref>1234</creditor_account_ref><debt_type>medical</debt_type>'
    '<last_name>X</last_name><address_line1>1 A St</address_line1><city>Brooklyn</city><state>NY</state>'
    '<postal_code>11201</postal_code><itemization_date_type>last_statement</itemization_date_type>'
    '<itemization_date>2026-01-08</itemization_date><amount_at_itemization>1.00</amount_at_itemization>'
    '<current_balance>1.00</current_balance><delinquency_date>2025-01-18</delinquency_date></account></xsl:for-each></accounts></xsl:template>'),
    3, 1, 'MAPPING')
put('map/maps-to-nothing.xml', vendor_file(GOOD3), mapping('nothing.xsl',
    '<xsl:template match="/"><accounts/></xsl:template>'), 0, 3, 'MAPPING')

# ---- fixed width ----


def legacy_lines():
    with open(os.path.join(TOP, 'fixtures/formats/legacy.dat'), 'rb') as f:
        return f.read().split(b'\r\n')[:6]


L = legacy_lines()
FIX = 'fixed:%s:windows-1252' % LEGACY_LAYOUT


def fixed(lines):
    return b'\r\n'.join(lines) + b'\r\n'


put('fixed/short-line.dat', fixed([L[0], L[1], L[2][:300], L[3]]), FIX, 3, 1, 'BAD_RECORD_LENGTH')
put('fixed/long-line.dat', fixed([L[0], L[1], L[2] + b'XX', L[3]]), FIX, 3, 1, 'BAD_RECORD_LENGTH')
put('fixed/truncated-file.dat', fixed([L[0], L[1]]) + L[2][:120], FIX, 2, 1, 'BAD_RECORD_LENGTH')
put('fixed/cents-with-letters.dat', fixed([L[0], L[1], L[2][:285] + b'12A45X' + L[2][291:], L[3]]),
    FIX, 3, 1, 'BAD_AMOUNT')
put('fixed/impossible-date.dat', fixed([L[0], L[1], L[2][:272] + b'20261340' + L[2][280:], L[3]]),
    FIX, 3, 1, 'BAD_DATE')
put('fixed/undefined-1252-byte.dat', fixed([L[0], L[1], L[2][:160] + b'\x8d' + L[2][161:], L[3]]),
    FIX, 3, 1, 'BAD_ENCODING')
put('fixed/line-over-64k.dat', fixed([L[0], L[1], b'Z' * 70000, L[3]]), FIX, 3, 1, 'FIELD_TOO_LONG')
put('fixed/control-good.dat', fixed([L[0], L[1], L[3]]), FIX, 3, 0, '-')
put('fixed/blank-balance.dat', fixed([L[0], L[1], L[2][:327] + b' ' * 11 + L[2][338:], L[3]]),
    FIX, 3, 1, 'MISSING_FIELD')
put_raw('fixed/layouts/overlap.xml',
        open(os.path.join(TOP, 'fixtures/formats/layouts/legacy.xml'), encoding='utf-8').read()
        .replace('name="consumer_id" start="13"', 'name="consumer_id" start="12"'))
put('fixed/layout-overlap.dat', fixed(L[:2]), 'fixed:fixed/layouts/overlap.xml:windows-1252', 0, 0, 'FATAL')
put_raw('fixed/layouts/no-balance.xml',
        '\n'.join(l for l in open(os.path.join(TOP, 'fixtures/formats/layouts/legacy.xml'), encoding='utf-8')
                  .read().split('\n') if 'current_balance' not in l) + '\n')
put('fixed/layout-missing-field.dat', fixed(L[:2]), 'fixed:fixed/layouts/no-balance.xml:windows-1252', 0, 0, 'FATAL')

with open(os.path.join(HERE, 'MANIFEST'), 'w') as f:
    f.write('# The ingest corpus: written by make-corpus.py, read by tests/unit/u-ingest-corpus.c.\n')
    f.write('# file\tspec\tgood\trejected\tcodes\n')
    for m in manifest:
        f.write('%s\t%s\t%d\t%d\t%s\n' % m)
print('%d cases' % len(manifest))
