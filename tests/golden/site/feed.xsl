<?xml version="1.0" encoding="utf-8"?>
<!-- Shows an Atom feed as a readable page when someone opens it in a browser; feed readers ignore it. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom"
                exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
  <xsl:template match="/atom:feed">
    <html lang="{@xml:lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <title>Feed: <xsl:value-of select="atom:title"/></title>
        <style>
          body { font: 1.05rem/1.6 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
          .note { border-left: 4px solid #0b57d0; padding: .5rem 1rem; background: rgba(11, 87, 208, .08); }
          code { word-break: break-all; }
          li { margin: .6rem 0; }
          time { color: GrayText; font-size: .9em; }
          a { color: LinkText; }
        </style>
      </head>
      <body>
        <main>
          <p class="note">This is an Atom feed. Copy its address into your feed reader to follow
            <xsl:text> </xsl:text><xsl:value-of select="atom:title"/>:
            <code><xsl:value-of select="atom:link[@rel='self']/@href"/></code></p>
          <h1><xsl:value-of select="atom:title"/></h1>
          <p><xsl:value-of select="atom:subtitle"/></p>
          <p><a href="{atom:link[@rel='alternate']/@href}">Visit the site</a></p>
          <h2>Latest entries</h2>
          <ul>
            <xsl:for-each select="atom:entry">
              <li>
                <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a><br/>
                <time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
              </li>
            </xsl:for-each>
          </ul>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
