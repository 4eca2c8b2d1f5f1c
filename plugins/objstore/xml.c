/* xml.c - the few elements of S3's XML answers (s3_internal.h): an error's
 * Code and Message, a new upload's UploadId, a listing's Contents and
 * CommonPrefixes.  libxml2 parses; the store is not trusted: no network,
 * no external entities, libxml2's default limits on depth and expansion,
 * and the answer itself is bounded by whoever received it. */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

#include "base/alloc.h"
#include "s3_internal.h"

xmlDoc *s3_xml_parse(const char *text, size_t len)
{
	if (!text || len == 0 || len > INT32_MAX)
		return NULL;
	return xmlReadMemory(text, (int)len, NULL, NULL,
	                     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* Is n an element named 'name' (any namespace)? */
static bool named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

xmlNode *s3_xml_child(xmlNode *parent, const char *name)
{
	for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next)
		if (named(n, name))
			return n;
	return NULL;
}

xmlNode *s3_xml_next(xmlNode *node)
{
	for (xmlNode *n = node->next; n; n = n->next)
		if (named(n, (const char *)node->name))
			return n;
	return NULL;
}

bool s3_xml_text(xmlNode *parent, const char *name, char *out, size_t cap)
{
	xmlNode *n = s3_xml_child(parent, name);
	if (!n)
		return false;
	xmlChar *t = xmlNodeGetContent(n);
	snprintf(out, cap, "%s", t ? (const char *)t : "");
	xmlFree(t);
	return true;
}

char *s3_xml_strdup(xmlNode *parent, const char *name)
{
	xmlNode *n = s3_xml_child(parent, name);
	if (!n)
		return NULL;
	xmlChar *t = xmlNodeGetContent(n);
	char *s = sl_strdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}
