<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:lf="http://vendor.example/schemas/letterfile/3" xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl" xmlns="urn:fairnotice:accounts:1" exclude-result-prefixes="lf">
<xsl:template match="/"><accounts><account><account_id><xsl:value-of select="document('/etc/hostname')"/></account_id></account></accounts></xsl:template>
</xsl:stylesheet>
