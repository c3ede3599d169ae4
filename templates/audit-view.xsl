<?xml version="1.0" encoding="UTF-8"?>
<!--
  audit-view.xsl: the auditor's view of audit/manifest.xml, as one
  self-contained HTML page (audit/manifest.html).

  Summary counts, two inline SVG bar charts (outcomes by state, accounts by
  reason code), a table of accounts with filters by outcome, state and rule
  (a small inline script that hides rows), and each account's trace in a
  <details>: rules fired with citation and source, dates, reason, the
  letter's piece and pages, the hash-chain link.

  XSLT 1.0 for libxslt. No external file, no network, no generate-id()
  (its values depend on memory addresses): the output is the same bytes
  for the same manifest. fairnotice runs it with security preferences that
  forbid writing files and network access (pipeline/bundle/audit-html.c).

  The manifest of a large batch is never one tree: fairnotice streams it
  and runs this stylesheet in parts, chosen by the parameter $part.
    'page'  The input is a summary document: the manifest's root element
            with its attributes, <totals> and <chain> as in the manifest,
            and an <a:summary> that fairnotice counted while streaming:
              <summary accounts="N" review="N" letter=".." suppressed=".."
                       deferred=".." rejected="..">
                <state state="NY" all=".." letter=".." suppressed=".."
                       deferred=".." rejected=".."/>   (state="" for none)
                <reason code="X" count=".." outcome="(of the first)"/>
                <rule id="R"/>
              </summary>
            The result is the whole page with an empty <tbody></tbody>;
            the rows go there.
    'rows'  The input is a chunk of <account> records under the same root
            element; the result is a <tbody> with one <tr> per account.
            $before is the number of accounts in the chunks before it.
  Put together, the parts are the same bytes as the page this stylesheet
  gave when it was applied to the whole manifest as one tree.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:a="urn:fairnotice:audit:1"
    exclude-result-prefixes="a">

  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:param name="part" select="'page'"/>
  <xsl:param name="before" select="0"/>

  <xsl:variable name="summary" select="/a:audit-manifest/a:summary"/>

  <xsl:template match="/">
    <xsl:choose>
      <xsl:when test="$part = 'rows'">
        <tbody><xsl:apply-templates select="a:audit-manifest/a:account"/></tbody>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates select="a:audit-manifest"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/a:audit-manifest">
    <html lang="en">
      <head>
        <title>Audit manifest <xsl:value-of select="@batch"/></title>
        <style>
body { font: 14px/1.4 "Liberation Sans", Arial, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
.meta { color: #555; margin-bottom: 16px; }
.meta code { font-size: 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #ccc; border-radius: 6px; padding: 8px 14px; min-width: 90px; }
.card .n { font-size: 24px; font-weight: bold; }
.card .l { color: #555; font-size: 12px; text-transform: uppercase; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; }
.legend span { display: inline-block; margin-right: 12px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; }
.o-letter { color: #2e7d32; } .o-suppressed { color: #a66b00; }
.o-deferred { color: #1565c0; } .o-rejected { color: #c62828; }
.filters label { margin-right: 16px; }
.flag { font-size: 10px; background: #fff3cd; border: 1px solid #e0c060; border-radius: 3px; padding: 0 3px; }
details ul { margin: 4px 0; padding-left: 18px; }
details code, .hash { font-size: 11px; word-break: break-all; }
        </style>
      </head>
      <body>
        <h1>Audit manifest</h1>
        <div class="meta">
          Batch <b><xsl:value-of select="@batch"/></b>,
          agency <b><xsl:value-of select="@agency"/></b>,
          run <xsl:value-of select="@run-date"/>,
          mail date <xsl:value-of select="@mail-date"/>.<br/>
          Rules digest <code><xsl:value-of select="@rules-digest"/></code><br/>
          Chain head <code id="chain-head"><xsl:value-of select="a:chain/@head"/></code>
        </div>

        <h2>Summary</h2>
        <div class="cards" id="summary">
          <xsl:call-template name="card"><xsl:with-param name="id" select="'read'"/><xsl:with-param name="label" select="'read'"/><xsl:with-param name="n" select="a:totals/@read"/></xsl:call-template>
          <xsl:call-template name="card"><xsl:with-param name="id" select="'letters'"/><xsl:with-param name="label" select="'letters'"/><xsl:with-param name="n" select="a:totals/@letters"/></xsl:call-template>
          <xsl:call-template name="card"><xsl:with-param name="id" select="'suppressed'"/><xsl:with-param name="label" select="'suppressed'"/><xsl:with-param name="n" select="a:totals/@suppressed"/></xsl:call-template>
          <xsl:call-template name="card"><xsl:with-param name="id" select="'deferred'"/><xsl:with-param name="label" select="'deferred'"/><xsl:with-param name="n" select="a:totals/@deferred"/></xsl:call-template>
          <xsl:call-template name="card"><xsl:with-param name="id" select="'rejected'"/><xsl:with-param name="label" select="'rejected'"/><xsl:with-param name="n" select="a:totals/@rejected"/></xsl:call-template>
          <xsl:call-template name="card"><xsl:with-param name="id" select="'review'"/><xsl:with-param name="label" select="'flagged for review'"/><xsl:with-param name="n" select="$summary/@review"/></xsl:call-template>
          <xsl:call-template name="card"><xsl:with-param name="id" select="'pages'"/><xsl:with-param name="label" select="'pages'"/><xsl:with-param name="n" select="a:totals/@pages"/></xsl:call-template>
        </div>

        <div class="charts">
          <div>
            <h2>Outcomes by state</h2>
            <xsl:call-template name="legend"/>
            <xsl:call-template name="state-chart"/>
          </div>
          <div>
            <h2>Accounts by reason code</h2>
            <xsl:call-template name="reason-chart"/>
          </div>
        </div>

        <h2>Accounts</h2>
        <div class="filters">
          <label>Outcome
            <select id="f-outcome" data-key="outcome">
              <option value="">all</option>
              <option value="letter">letter</option>
              <option value="suppressed">suppressed</option>
              <option value="deferred">deferred</option>
              <option value="rejected">rejected</option>
            </select>
          </label>
          <label>State
            <select id="f-state" data-key="state">
              <option value="">all</option>
              <xsl:for-each select="$summary/a:state">
                <xsl:sort select="@state"/>
                <option value="{@state}"><xsl:call-template name="state-name"/></option>
              </xsl:for-each>
            </select>
          </label>
          <label>Rule
            <select id="f-rule" data-key="rules">
              <option value="">all</option>
              <xsl:for-each select="$summary/a:rule">
                <xsl:sort select="@id"/>
                <option value="{@id}"><xsl:value-of select="@id"/></option>
              </xsl:for-each>
            </select>
          </label>
          <span id="shown"><xsl:value-of select="$summary/@accounts"/></span> of
          <xsl:value-of select="$summary/@accounts"/> shown
        </div>
        <table id="accounts">
          <thead>
            <tr><th>#</th><th>Account</th><th>Outcome</th><th>State</th><th>Reason</th>
              <th>Piece</th><th>Pages</th><th>Trace</th></tr>
          </thead>
          <!-- fairnotice writes the rows here (part 'rows'). -->
          <tbody/>
        </table>
        <script>
(function () {
  var selects = document.querySelectorAll('.filters select');
  var rows = document.querySelectorAll('#accounts tbody tr');
  function apply() {
    var shown = 0;
    for (var i = 0; i !== rows.length; i++) {
      var r = rows[i], keep = true;
      for (var j = 0; j !== selects.length; j++) {
        var v = selects[j].value, key = selects[j].getAttribute('data-key');
        if (v === '') continue;
        if (key === 'rules') {
          if ((' ' + r.getAttribute('data-rules') + ' ').indexOf(' ' + v + ' ') === -1) keep = false;
        } else if (r.getAttribute('data-' + key) !== v) {
          keep = false;
        }
      }
      r.style.display = keep ? '' : 'none';
      if (keep) shown++;
    }
    document.getElementById('shown').textContent = shown;
  }
  for (var j = 0; j !== selects.length; j++) selects[j].addEventListener('change', apply);
  /* A link may preselect filters: manifest.html#outcome=rejected;state=NY */
  var parts = decodeURIComponent(location.hash.slice(1)).split(';');
  for (var k = 0; k !== parts.length; k++) {
    var kv = parts[k].split('='), el = document.getElementById('f-' + kv[0]);
    if (el !== null) el.value = kv.slice(1).join('=');
  }
  apply();
})();
        </script>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="card">
    <xsl:param name="id"/>
    <xsl:param name="label"/>
    <xsl:param name="n"/>
    <div class="card" id="count-{$id}">
      <div class="n"><xsl:value-of select="$n"/></div>
      <div class="l"><xsl:value-of select="$label"/></div>
    </div>
  </xsl:template>

  <xsl:template name="state-name">
    <xsl:choose>
      <xsl:when test="string(@state) = ''">(none)</xsl:when>
      <xsl:otherwise><xsl:value-of select="@state"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="color">
    <xsl:param name="outcome"/>
    <xsl:choose>
      <xsl:when test="$outcome = 'letter'">#2e7d32</xsl:when>
      <xsl:when test="$outcome = 'suppressed'">#f9a825</xsl:when>
      <xsl:when test="$outcome = 'deferred'">#1565c0</xsl:when>
      <xsl:otherwise>#c62828</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="legend">
    <div class="legend">
      <span><i style="background:#2e7d32"></i>letter</span>
      <span><i style="background:#f9a825"></i>suppressed</span>
      <span><i style="background:#1565c0"></i>deferred</span>
      <span><i style="background:#c62828"></i>rejected</span>
    </div>
  </xsl:template>

  <!-- One stacked bar per state: letter, suppressed, deferred, rejected. -->
  <xsl:template name="state-chart">
    <xsl:variable name="groups" select="$summary/a:state"/>
    <xsl:variable name="max">
      <xsl:for-each select="$groups">
        <xsl:sort select="@all" data-type="number" order="descending"/>
        <xsl:if test="position() = 1"><xsl:value-of select="number(@all)"/></xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="scale" select="360 div ($max + number(string($max) = '' or $max = 0))"/>
    <svg xmlns="http://www.w3.org/2000/svg" id="chart-state" width="480"
        height="{count($groups) * 22 + 10}" role="img" aria-label="Outcomes by state">
      <xsl:for-each select="$groups">
        <xsl:sort select="@state"/>
        <xsl:variable name="y" select="(position() - 1) * 22 + 4"/>
        <xsl:variable name="all" select="number(@all)"/>
        <xsl:variable name="nl" select="number(@letter)"/>
        <xsl:variable name="ns" select="number(@suppressed)"/>
        <xsl:variable name="nd" select="number(@deferred)"/>
        <xsl:variable name="nr" select="number(@rejected)"/>
        <text x="0" y="{$y + 13}" font-size="12"><xsl:call-template name="state-name"/></text>
        <rect x="60" y="{$y}" height="16" width="{$nl * $scale}" fill="#2e7d32"><title>letter: <xsl:value-of select="$nl"/></title></rect>
        <rect x="{60 + $nl * $scale}" y="{$y}" height="16" width="{$ns * $scale}" fill="#f9a825"><title>suppressed: <xsl:value-of select="$ns"/></title></rect>
        <rect x="{60 + ($nl + $ns) * $scale}" y="{$y}" height="16" width="{$nd * $scale}" fill="#1565c0"><title>deferred: <xsl:value-of select="$nd"/></title></rect>
        <rect x="{60 + ($nl + $ns + $nd) * $scale}" y="{$y}" height="16" width="{$nr * $scale}" fill="#c62828"><title>rejected: <xsl:value-of select="$nr"/></title></rect>
        <text x="{64 + $all * $scale}" y="{$y + 13}" font-size="11"><xsl:value-of select="$all"/></text>
      </xsl:for-each>
    </svg>
  </xsl:template>

  <!-- One bar per reason code (suppressed, deferred and rejected accounts),
       in the colour of the first account that has it. -->
  <xsl:template name="reason-chart">
    <xsl:variable name="groups" select="$summary/a:reason"/>
    <xsl:variable name="max">
      <xsl:for-each select="$groups">
        <xsl:sort select="@count" data-type="number" order="descending"/>
        <xsl:if test="position() = 1"><xsl:value-of select="number(@count)"/></xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="scale" select="200 div ($max + number(string($max) = '' or $max = 0))"/>
    <svg xmlns="http://www.w3.org/2000/svg" id="chart-reason" width="520"
        height="{count($groups) * 20 + 10}" role="img" aria-label="Accounts by reason code">
      <xsl:for-each select="$groups">
        <xsl:sort select="@code"/>
        <xsl:variable name="y" select="(position() - 1) * 20 + 4"/>
        <xsl:variable name="n" select="number(@count)"/>
        <xsl:variable name="fill">
          <xsl:call-template name="color"><xsl:with-param name="outcome" select="@outcome"/></xsl:call-template>
        </xsl:variable>
        <text x="0" y="{$y + 12}" font-size="11"><xsl:value-of select="@code"/></text>
        <rect x="270" y="{$y}" height="14" width="{$n * $scale}" fill="{$fill}"><title><xsl:value-of select="@code"/>: <xsl:value-of select="$n"/></title></rect>
        <text x="{274 + $n * $scale}" y="{$y + 12}" font-size="11"><xsl:value-of select="$n"/></text>
      </xsl:for-each>
    </svg>
  </xsl:template>

  <xsl:template match="a:account">
    <tr data-outcome="{@outcome}" data-state="{@state}">
      <xsl:attribute name="data-rules">
        <xsl:for-each select="a:rule">
          <xsl:if test="position() > 1"><xsl:text> </xsl:text></xsl:if>
          <xsl:value-of select="@id"/>
        </xsl:for-each>
      </xsl:attribute>
      <td class="num"><xsl:value-of select="$before + position()"/></td>
      <td><xsl:value-of select="@id"/>
        <xsl:if test="@review = 'yes'"><xsl:text> </xsl:text><span class="flag" title="a rule that needs review touched this account">review</span></xsl:if>
      </td>
      <td class="o-{@outcome}"><xsl:value-of select="@outcome"/></td>
      <td><xsl:call-template name="state-name"/></td>
      <td><xsl:value-of select="a:reason/@code"/></td>
      <td><xsl:value-of select="a:letter/@piece"/></td>
      <td>
        <xsl:if test="a:letter">
          <xsl:value-of select="a:letter/@first-page"/>
          <xsl:if test="a:letter/@pages > 1">–<xsl:value-of select="a:letter/@first-page + a:letter/@pages - 1"/></xsl:if>
        </xsl:if>
      </td>
      <td>
        <details>
          <summary><xsl:value-of select="count(a:rule)"/> rules</summary>
          <div>Source: <xsl:value-of select="@file"/>, line <xsl:value-of select="@line"/>
            <xsl:if test="@jurisdiction">; jurisdiction <xsl:value-of select="@jurisdiction"/></xsl:if></div>
          <xsl:for-each select="a:reason">
            <div>Reason <b><xsl:value-of select="@code"/></b>
              <xsl:if test="@citation"> (<xsl:value-of select="@citation"/>)</xsl:if>
              <xsl:if test="@field">, field <xsl:value-of select="@field"/></xsl:if>
              <xsl:if test="@until">, until <xsl:value-of select="@until"/></xsl:if>:
              <xsl:value-of select="."/></div>
          </xsl:for-each>
          <xsl:for-each select="a:dates">
            <div>Dates: mail <xsl:value-of select="@mail"/>, assumed receipt <xsl:value-of select="@assumed-receipt"/>,
              validation ends <xsl:value-of select="@validation-end"/>
              (<xsl:value-of select="@holiday-method"/>, <xsl:value-of select="@calendar"/>)</div>
          </xsl:for-each>
          <xsl:for-each select="a:time-barred">
            <div>Time-barred: <xsl:value-of select="@status"/>
              <xsl:if test="@sol-years">, <xsl:value-of select="@sol-years"/> years</xsl:if>
              <xsl:if test="@expires-on">, expires <xsl:value-of select="@expires-on"/></xsl:if>
              <xsl:if test="@rule"> (<xsl:value-of select="@rule"/>)</xsl:if></div>
          </xsl:for-each>
          <xsl:if test="a:rule">
            <div>Rules fired, in order:</div>
            <ul>
              <xsl:for-each select="a:rule">
                <li><b><xsl:value-of select="@id"/></b>
                  <xsl:if test="@citation">, <xsl:value-of select="@citation"/></xsl:if>
                  <xsl:if test="@review = 'yes'"> (needs review)</xsl:if>
                  — <code><xsl:value-of select="@source"/></code></li>
              </xsl:for-each>
            </ul>
          </xsl:if>
          <xsl:for-each select="a:letter">
            <div>Letter <xsl:value-of select="@template"/> v<xsl:value-of select="@template-version"/>
              (<xsl:value-of select="@language"/>, <xsl:value-of select="@communication"/>),
              piece <xsl:value-of select="@piece"/>, <xsl:value-of select="@pdf"/>
              pages <xsl:value-of select="@first-page"/>+<xsl:value-of select="@pages"/>,
              <xsl:value-of select="@sheets"/> sheets;
              content <code><xsl:value-of select="@content-sha256"/></code></div>
          </xsl:for-each>
          <xsl:if test="a:disclosure">
            <div>Disclosures: <xsl:for-each select="a:disclosure">
                <xsl:if test="position() > 1">, </xsl:if><xsl:value-of select="@slot"/></xsl:for-each></div>
          </xsl:if>
          <div class="hash">Record hash <xsl:value-of select="@hash"/></div>
        </details>
      </td>
    </tr>
  </xsl:template>

</xsl:stylesheet>
