#!/bin/sh
# 3020: the Spanish validation notice. A Spanish-speaking consumer in a
# state without texts of its own (AZ) gets the whole notice in Spanish:
# every heading REGULATIONS.md 1.6 quotes from the CFPB's Spanish Model
# Form B-1, exactly, the dates in Spanish, and no English B-1 sentence.
# The same consumer in CA, whose texts exist only in English, gets the
# English notice with the offer of a Spanish form: one language per
# letter, never two (RULE: US-REGF-LETTER-VALIDATION; 12 CFR 1006.18(e)(4)).
. "$(dirname "$0")/../lib.sh"

B=$TMP/batch
mkdir -p "$B"
cp "$FIXTURES/demo/agency.xml" "$B/agency.xml"
SAMPLE=$FIXTURES/letters/validation-notice.es.csv
{
	cat "$SAMPLE"
	tail -n +2 "$SAMPLE" |
		sed -e 's/^ES-VN-1,/ES-VN-CA,/' -e 's/,Phoenix,AZ,85016-3402,/,Sacramento,CA,95814-4711,/'
} >"$B/accounts-2026-11-23.csv"

BATCH=$B run_demo es
is "run of the two accounts exits 0" "$RUN_RC" 0
M=$BUNDLE/print/manifest.csv

# The pdftotext of one account's pages, white space folded; its manifest
# row's template and language.
letter_text() {
	row=$(grep "^[^,]*,$1," "$M")
	piece_text "$BUNDLE" "$1" | tr -s ' \n\t' '   ' >"$TMP/$1.txt"
	echo "$row" | cut -d, -f9,10
}

is "AZ: the validation notice in Spanish" "$(letter_text ES-VN-1)" "validation-notice,es"
T=$TMP/ES-VN-1.txt

# REGULATIONS.md 1.6: the official Spanish headings and sentences, exactly.
while IFS= read -r phrase; do
	contains "AZ carries '$phrase'" "$T" "$phrase"
done <<'TXT'
¿Cómo puede disputar la deuda?
¿Qué más puede hacer?
¿Cómo desea responder?
Marque todo lo que corresponda:
Nuestra información muestra lo siguiente:
Monto total de la deuda ahora:
Envíe este formulario a:
Contáctenos acerca de sus opciones de pago.
Visite www.cfpb.gov/debt-collection para obtener más información sobre sus derechos según la ley federal.
Estamos tratando de collectar una deuda
Debe utilizar el formulario a continuación
TXT

# Dates in Spanish: mailed Tue 24 Nov 2026; the period ends 1 Jan 2027.
contains "AZ: mail date in Spanish" "$T" "24 de noviembre de 2026"
contains "AZ: itemization date in Spanish" "$T" "Al 15 de marzo de 2026, usted debía:"
contains "AZ: end date in Spanish" "$T" "a más tardar el 1 de enero de 2027"
contains "AZ: the amounts" "$T" "$ 2,490.35"
contains "AZ: page numbers in Spanish" "$T" "Página 1 de"

# No English B-1 sentence, heading or word of the furniture.
while IFS= read -r phrase; do
	lacks "AZ has no '$phrase'" "$T" "$phrase"
done <<'TXT'
is a debt collector
We are trying to collect
Our information shows
You had a credit card
you owed
Between
You were charged
Total amount of the debt now
How can you dispute the debt?
Call or write to us
If you write to us
What else can you do?
Write to ask for the name
Go to www.cfpb.gov
Contact us about your payment options
How do you want to respond?
Check all that apply
Mail this form to
I want to dispute the debt
This is not my debt.
The amount is wrong.
I want you to send me
I enclosed this amount
Make your check payable
Reference:
Page 1 of
November
January
Póngase en contacto con nosotros
Quiero este formulario en español
TXT

# Every Spanish letter carries the translation's review flag.
ok "AZ: flagged for review in the audit manifest" \
	grep -q '<account id="ES-VN-1"[^>]*review="yes"' "$BUNDLE/audit/manifest.xml"

# CA: the state's texts are English only, so the letter is all English.
is "CA: the validation notice in English" "$(letter_text ES-VN-CA)" "validation-notice,en"
T=$TMP/ES-VN-CA.txt
contains "CA: English B-1 heading" "$T" "How can you dispute the debt?"
contains "CA: the Rosenthal notice" "$T" "The state Rosenthal Fair Debt Collection Practices Act"
contains "CA: the offer of a Spanish form" "$T" \
	"Póngase en contacto con nosotros para solicitar una copia de este formulario en español."
contains "CA: the Spanish box of the tear-off" "$T" "Quiero este formulario en español."
contains "CA: dates in English" "$T" "January 1, 2027"
for phrase in "¿Cómo puede disputar la deuda?" "Nuestra información muestra" \
	"Contáctenos acerca" "es un cobrador de deudas" "de enero de"; do
	lacks "CA has no '$phrase'" "$T" "$phrase"
done

# explain says which language each letter went in.
$FAIRNOTICE explain --batch "$B" --date 2026-11-23 ES-VN-1 >"$TMP/explain-az" 2>&1
contains "explain AZ: Spanish letter" "$TMP/explain-az" "letter: validation-notice in es"
$FAIRNOTICE explain --batch "$B" --date 2026-11-23 ES-VN-CA >"$TMP/explain-ca" 2>&1
contains "explain CA: English letter" "$TMP/explain-ca" "letter: validation-notice in en"
done_testing
