/* sim-model.c: the datamodel (classes, types, defaults) and value encoding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

/* Messages whose trailing parameters have defaults in xapi (the datamodel
 * does not carry parameter defaults): wire name -> minimum parameter count
 * (without the session). */
static const struct { const char *wire; guint min; } param_defaults[] = {
  { "session.login_with_password", 2 },
  { "host.evacuate", 1 },
  { "VM.migrate_send", 6 },
  { "VM.assert_can_migrate", 6 },
  { "pool.join", 3 },
  { "SR.create", 8 },
  { "VDI.pool_migrate", 3 },
  { "host.migrate_receive", 3 },
  { "VDI.copy", 2 },
  { "VM.snapshot", 2 },
  { "VM.checkpoint", 2 },
};

static SimType *
parse_type (SimModel   *model,
            const char *text)
{
  SimType *t = g_new0 (SimType, 1);
  gsize len = strlen (text);

  g_ptr_array_add (model->types, t);

  if (len > 6 && g_str_has_suffix (text, ") map") && text[0] == '(')
    {
      /* (K -> V) map: find " -> " at depth 1 */
      int depth = 0;
      for (gsize i = 0; i < len; i++)
        {
          if (text[i] == '(')
            depth++;
          else if (text[i] == ')')
            depth--;
          else if (depth == 1 && strncmp (text + i, " -> ", 4) == 0)
            {
              g_autofree char *k = g_strndup (text + 1, i - 1);
              g_autofree char *v = g_strndup (text + i + 4, len - 5 - (i + 4));
              t->kind = SIM_T_MAP;
              t->key = parse_type (model, k);
              t->elem = parse_type (model, v);
              return t;
            }
        }
    }
  if (g_str_has_suffix (text, " set"))
    {
      g_autofree char *e = g_strndup (text, len - 4);
      t->kind = SIM_T_SET;
      t->elem = parse_type (model, e);
      return t;
    }
  if (g_str_has_suffix (text, " option"))
    {
      g_autofree char *e = g_strndup (text, len - 7);
      t->kind = SIM_T_OPTION;
      t->elem = parse_type (model, e);
      return t;
    }
  if (g_str_has_suffix (text, " ref"))
    {
      t->kind = SIM_T_REF;
      t->name = g_strndup (text, len - 4);
      return t;
    }
  if (g_str_has_suffix (text, " record"))
    {
      t->kind = SIM_T_RECORD;
      t->name = g_strndup (text, len - 7);
      return t;
    }
  if (g_str_has_prefix (text, "enum "))
    {
      t->kind = SIM_T_ENUM;
      t->name = g_strdup (text + 5);
      return t;
    }
  if (strcmp (text, "string") == 0)
    t->kind = SIM_T_STRING;
  else if (strcmp (text, "int") == 0)
    t->kind = SIM_T_INT;
  else if (strcmp (text, "float") == 0)
    t->kind = SIM_T_FLOAT;
  else if (strcmp (text, "bool") == 0)
    t->kind = SIM_T_BOOL;
  else if (strcmp (text, "datetime") == 0)
    t->kind = SIM_T_DATETIME;
  else if (strcmp (text, "void") == 0)
    t->kind = SIM_T_VOID;
  else
    t->kind = SIM_T_STRING;   /* unknown: treat as opaque string */
  return t;
}

static void
resolve_type (SimModel *model,
              SimType  *t)
{
  if (t == NULL)
    return;
  if (t->kind == SIM_T_ENUM)
    t->en = g_hash_table_lookup (model->enums, t->name);
  resolve_type (model, t->elem);
  resolve_type (model, t->key);
}

/* ---------------------------------------------------------------- values */

JsonNode *
sv_str (const char *s)
{
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (n, s ? s : "");
  return n;
}

JsonNode *
sv_int (gint64 i)
{
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  json_node_set_int (n, i);
  return n;
}

JsonNode *
sv_float (double d)
{
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  json_node_set_double (n, d);
  return n;
}

JsonNode *
sv_bool (gboolean b)
{
  JsonNode *n = json_node_new (JSON_NODE_VALUE);
  json_node_set_boolean (n, b);
  return n;
}

JsonNode *
sv_empty_set (void)
{
  JsonNode *n = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (n, json_array_new ());
  return n;
}

JsonNode *
sv_empty_map (void)
{
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (n, json_object_new ());
  return n;
}

JsonNode *
sv_strset (const char *first,
           ...)
{
  JsonNode *n = sv_empty_set ();
  JsonArray *a = json_node_get_array (n);
  va_list ap;

  va_start (ap, first);
  for (const char *s = first; s != NULL; s = va_arg (ap, const char *))
    json_array_add_string_element (a, s);
  va_end (ap);
  return n;
}

JsonNode *
sv_strmap (const char *first_key,
           ...)
{
  JsonNode *n = sv_empty_map ();
  JsonObject *o = json_node_get_object (n);
  va_list ap;

  va_start (ap, first_key);
  for (const char *k = first_key; k != NULL; k = va_arg (ap, const char *))
    {
      const char *v = va_arg (ap, const char *);
      json_object_set_string_member (o, k, v);
    }
  va_end (ap);
  return n;
}

char *
sim_datetime (gint64 t)
{
  struct tm tm;
  time_t tt = (time_t) t;
  char buf[32];

  gmtime_r (&tt, &tm);
  strftime (buf, sizeof buf, "%Y%m%dT%H:%M:%SZ", &tm);
  return g_strdup (buf);
}

JsonNode *
sv_now (double offset)
{
  g_autofree char *s = sim_datetime ((gint64) (g_get_real_time () / G_USEC_PER_SEC + offset));
  return sv_str (s);
}

JsonNode *
sim_zero_value (SimType *type)
{
  switch (type->kind)
    {
    case SIM_T_STRING: return sv_str ("");
    case SIM_T_INT: return sv_int (0);
    case SIM_T_FLOAT: return sv_float (0.0);
    case SIM_T_BOOL: return sv_bool (FALSE);
    case SIM_T_DATETIME: return sv_str ("19700101T00:00:00Z");
    case SIM_T_ENUM:
      return sv_str (type->en && type->en->values[0] ? type->en->values[0] : "");
    case SIM_T_REF: return sv_str ("OpaqueRef:NULL");
    case SIM_T_SET: return sv_empty_set ();
    case SIM_T_MAP:
    case SIM_T_RECORD: return sv_empty_map ();
    case SIM_T_OPTION:
    case SIM_T_VOID:
    default:
      return NULL;
    }
}

static JsonNode *
parse_default (SimModel   *model,
               SimType    *type,
               const char *text)
{
  if (text == NULL || type->kind == SIM_T_OPTION)
    return sim_zero_value (type);

  switch (type->kind)
    {
    case SIM_T_STRING:
      if (text[0] == '"')
        {
          g_autoptr(JsonParser) p = json_parser_new ();
          if (json_parser_load_from_data (p, text, -1, NULL)
              && JSON_NODE_HOLDS_VALUE (json_parser_get_root (p)))
            return json_node_copy (json_parser_get_root (p));
          return sv_str ("");
        }
      return sv_str (g_str_has_prefix (text, "Unknown[") ? "" : text);
    case SIM_T_INT:
      {
        char *end = NULL;
        gint64 v = g_ascii_strtoll (text, &end, 10);
        return sv_int (end && *end == '\0' ? v : 0);
      }
    case SIM_T_FLOAT:
      {
        char *end = NULL;
        double v = g_ascii_strtod (text, &end);
        return sv_float (end && *end == '\0' ? v : 0.0);
      }
    case SIM_T_BOOL:
      return sv_bool (strcmp (text, "true") == 0);
    case SIM_T_DATETIME:
      return sv_str (strlen (text) == 18 ? text : "19700101T00:00:00Z");
    case SIM_T_ENUM:
      if (type->en)
        for (guint i = 0; type->en->values[i]; i++)
          if (g_ascii_strcasecmp (type->en->values[i], text) == 0)
            return sv_str (type->en->values[i]);
      return sim_zero_value (type);
    case SIM_T_REF:
      return sv_str (g_str_has_prefix (text, "OpaqueRef:") ? text : "OpaqueRef:NULL");
    default:
      return sim_zero_value (type);
    }
}

static gboolean
parse_datetime (const char *s,
                char      **out)
{
  int Y, M, D, h = 0, m = 0, sec = 0;
  char tail[8] = "";
  int n;

  /* 20240420T12:00:00Z, 2024-04-20T12:00:00Z, with or without Z */
  if ((n = sscanf (s, "%4d%2d%2dT%2d:%2d:%2d%7s", &Y, &M, &D, &h, &m, &sec, tail)) >= 6
      || (n = sscanf (s, "%4d-%2d-%2dT%2d:%2d:%2d%7s", &Y, &M, &D, &h, &m, &sec, tail)) >= 6)
    {
      *out = g_strdup_printf ("%04d%02d%02dT%02d:%02d:%02dZ", Y, M, D, h, m, sec);
      return TRUE;
    }
  return FALSE;
}

JsonNode *
sim_coerce (SimModel  *model,
            SimType   *type,
            JsonNode  *in,
            char     **err)
{
  GType vt = JSON_NODE_HOLDS_VALUE (in) ? json_node_get_value_type (in) : G_TYPE_INVALID;

  switch (type->kind)
    {
    case SIM_T_STRING:
    case SIM_T_REF:
      if (vt == G_TYPE_STRING)
        {
          const char *s = json_node_get_string (in);
          if (!g_utf8_validate (s, -1, NULL))
            {
              *err = g_strdup ("Invalid UTF-8 string in parameter");
              return NULL;
            }
          return sv_str (s);
        }
      *err = g_strdup ("Expected string");
      return NULL;
    case SIM_T_INT:
      if (vt == G_TYPE_INT64)
        return sv_int (json_node_get_int (in));
      if (vt == G_TYPE_STRING)
        {
          char *end = NULL;
          const char *s = json_node_get_string (in);
          gint64 v = g_ascii_strtoll (s, &end, 10);
          if (*s && end && *end == '\0')
            return sv_int (v);
        }
      *err = g_strdup ("Expected int64");
      return NULL;
    case SIM_T_FLOAT:
      if (vt == G_TYPE_INT64 || vt == G_TYPE_DOUBLE)
        return sv_float (json_node_get_double (in));
      if (vt == G_TYPE_STRING)
        {
          char *end = NULL;
          const char *s = json_node_get_string (in);
          double v = g_ascii_strtod (s, &end);
          if (*s && end && *end == '\0')
            return sv_float (v);
        }
      *err = g_strdup ("Expected float");
      return NULL;
    case SIM_T_BOOL:
      if (vt == G_TYPE_BOOLEAN)
        return sv_bool (json_node_get_boolean (in));
      *err = g_strdup ("Expected bool");
      return NULL;
    case SIM_T_DATETIME:
      if (vt == G_TYPE_STRING)
        {
          char *out = NULL;
          if (parse_datetime (json_node_get_string (in), &out))
            {
              JsonNode *n = sv_str (out);
              g_free (out);
              return n;
            }
        }
      *err = g_strdup ("Expected datetime");
      return NULL;
    case SIM_T_ENUM:
      if (vt == G_TYPE_STRING && type->en)
        {
          const char *s = json_node_get_string (in);
          for (guint i = 0; type->en->values[i]; i++)
            if (g_ascii_strcasecmp (type->en->values[i], s) == 0)
              return sv_str (type->en->values[i]);
          *err = g_strdup_printf ("Unknown enum value %s for %s", s, type->name);
          return NULL;
        }
      *err = g_strdup ("Expected enum string");
      return NULL;
    case SIM_T_SET:
      if (JSON_NODE_HOLDS_ARRAY (in))
        {
          JsonArray *a = json_node_get_array (in);
          JsonNode *out = sv_empty_set ();
          for (guint i = 0; i < json_array_get_length (a); i++)
            {
              JsonNode *e = sim_coerce (model, type->elem, json_array_get_element (a, i), err);
              if (e == NULL)
                {
                  json_node_unref (out);
                  return NULL;
                }
              json_array_add_element (json_node_get_array (out), e);
            }
          return out;
        }
      *err = g_strdup ("Expected array");
      return NULL;
    case SIM_T_MAP:
      if (JSON_NODE_HOLDS_OBJECT (in))
        {
          JsonObject *o = json_node_get_object (in);
          JsonNode *out = sv_empty_map ();
          JsonObjectIter it;
          const char *k;
          JsonNode *v;

          json_object_iter_init (&it, o);
          while (json_object_iter_next (&it, &k, &v))
            {
              g_autoptr(JsonNode) kn = sv_str (k);
              g_autoptr(JsonNode) kc = sim_coerce (model, type->key, kn, err);
              JsonNode *e;
              if (kc == NULL)
                {
                  json_node_unref (out);
                  return NULL;
                }
              e = sim_coerce (model, type->elem, v, err);
              if (e == NULL)
                {
                  json_node_unref (out);
                  return NULL;
                }
              json_object_set_member (json_node_get_object (out),
                                      JSON_NODE_HOLDS_VALUE (kc) && json_node_get_value_type (kc) == G_TYPE_STRING
                                        ? json_node_get_string (kc) : k, e);
            }
          return out;
        }
      *err = g_strdup ("Expected struct");
      return NULL;
    case SIM_T_OPTION:
      if (JSON_NODE_HOLDS_NULL (in))
        return NULL;
      return sim_coerce (model, type->elem, in, err);
    case SIM_T_RECORD:
      if (JSON_NODE_HOLDS_OBJECT (in))
        return json_node_copy (in);
      *err = g_strdup ("Expected struct");
      return NULL;
    default:
      return json_node_copy (in);
    }
}

/* ---------------------------------------------------------------- writer */

void
sim_write_string (GString    *out,
                  const char *s)
{
  static const char hex[] = "0123456789abcdef";
  const char *start = s;

  g_string_append_c (out, '"');
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (out, start, s - start);
      start = s + 1;
      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          g_string_append (out, "\\u00");
          g_string_append_c (out, hex[c >> 4]);
          g_string_append_c (out, hex[c & 15]);
        }
    }
  g_string_append_len (out, start, s - start);
  g_string_append_c (out, '"');
}

void
sim_write_double (GString *out,
                  double   d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (d))
    {
      g_string_append (out, "NaN");
      return;
    }
  if (isinf (d))
    {
      g_string_append (out, d > 0 ? "Infinity" : "-Infinity");
      return;
    }
  g_ascii_formatd (buf, sizeof buf, "%.16g", d);
  if (g_ascii_strtod (buf, NULL) != d)
    g_ascii_formatd (buf, sizeof buf, "%.17g", d);
  g_string_append (out, buf);
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (out, ".0");
}

void
sim_write_node (GString  *out,
                JsonNode *node)
{
  if (node == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *o = json_node_get_object (node);
        JsonObjectIter it;
        const char *k;
        JsonNode *v;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&it, o);
        while (json_object_iter_next_ordered (&it, &k, &v))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            sim_write_string (out, k);
            g_string_append_c (out, ':');
            sim_write_node (out, v);
          }
        g_string_append_c (out, '}');
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);
        guint n = json_array_get_length (a);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i)
              g_string_append_c (out, ',');
            sim_write_node (out, json_array_get_element (a, i));
          }
        g_string_append_c (out, ']');
      }
      break;
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    case JSON_NODE_VALUE:
      {
        GType t = json_node_get_value_type (node);
        if (t == G_TYPE_STRING)
          sim_write_string (out, json_node_get_string (node));
        else if (t == G_TYPE_INT64)
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
        else if (t == G_TYPE_DOUBLE)
          sim_write_double (out, json_node_get_double (node));
        else if (t == G_TYPE_BOOLEAN)
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
        else
          g_string_append (out, "null");
      }
      break;
    }
}

static void
xml_escape (GString    *out,
            const char *s)
{
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      switch (c)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        default:
          if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
            g_string_append_c (out, (char) c);
        }
    }
}

void
sim_write_xmlrpc (GString  *out,
                  JsonNode *node)
{
  g_string_append (out, "<value>");
  if (node != NULL)
    switch (json_node_get_node_type (node))
      {
      case JSON_NODE_OBJECT:
        {
          JsonObjectIter it;
          const char *k;
          JsonNode *v;

          g_string_append (out, "<struct>");
          json_object_iter_init_ordered (&it, json_node_get_object (node));
          while (json_object_iter_next_ordered (&it, &k, &v))
            {
              g_string_append (out, "<member><name>");
              xml_escape (out, k);
              g_string_append (out, "</name>");
              sim_write_xmlrpc (out, v);
              g_string_append (out, "</member>");
            }
          g_string_append (out, "</struct>");
        }
        break;
      case JSON_NODE_ARRAY:
        {
          JsonArray *a = json_node_get_array (node);
          g_string_append (out, "<array><data>");
          for (guint i = 0; i < json_array_get_length (a); i++)
            sim_write_xmlrpc (out, json_array_get_element (a, i));
          g_string_append (out, "</data></array>");
        }
        break;
      case JSON_NODE_VALUE:
        {
          GType t = json_node_get_value_type (node);
          if (t == G_TYPE_STRING)
            xml_escape (out, json_node_get_string (node));
          else if (t == G_TYPE_INT64)
            g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          else if (t == G_TYPE_DOUBLE)
            {
              char buf[G_ASCII_DTOSTR_BUF_SIZE];
              g_string_append (out, "<double>");
              g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.16g", json_node_get_double (node)));
              g_string_append (out, "</double>");
            }
          else if (t == G_TYPE_BOOLEAN)
            g_string_append (out, json_node_get_boolean (node) ? "<boolean>1</boolean>" : "<boolean>0</boolean>");
        }
        break;
      case JSON_NODE_NULL:
        break;
      }
  g_string_append (out, "</value>");
}

/* ---------------------------------------------------------------- loading */

static void
type_free (gpointer p)
{
  SimType *t = p;
  g_free (t->name);
  g_free (t);
}

static void
enum_free (gpointer p)
{
  SimEnum *e = p;
  g_free (e->name);
  g_strfreev (e->values);
  g_free (e);
}

static void
field_free (gpointer p)
{
  SimField *f = p;
  g_free (f->name);
  if (f->def)
    json_node_unref (f->def);
  g_free (f);
}

static void
message_free (gpointer p)
{
  SimMessage *m = p;
  g_free (m->name);
  g_free (m->wire);
  g_ptr_array_unref (m->params);
  g_ptr_array_unref (m->param_names);
  g_free (m);
}

static void
row_free (gpointer p)
{
  SimRow *r = p;
  for (guint i = 0; i < r->cls->fields->len; i++)
    if (r->v[i])
      json_node_unref (r->v[i]);
  g_free (r->v);
  g_free (r->cache);
  g_free (r->cache_offs);
  g_free (r->ref);
  g_free (r);
}

static void
class_free (gpointer p)
{
  SimClass *c = p;
  g_hash_table_unref (c->rows);
  g_free (c->name);
  g_free (c->lname);
  g_ptr_array_unref (c->fields);
  g_hash_table_unref (c->field_index);
  g_hash_table_unref (c->messages);
  g_ptr_array_unref (c->message_list);
  g_free (c);
}

/* One-to-many relations whose "many" side is ambiguous by type alone. */
static const struct { const char *cls, *field, *other, *set; } relations[] = {
  { "VM", "snapshot_of", "VM", "snapshots" },
  { "VM", "parent", "VM", "children" },
  { "VM", "resident_on", "host", "resident_VMs" },
  { "VDI", "snapshot_of", "VDI", "snapshots" },
  { "Bond", "master", "PIF", "bond_master_of" },
  { "PIF", "bond_slave_of", "Bond", "slaves" },
  { "VLAN", "tagged_PIF", "PIF", "VLAN_slave_of" },
  { "tunnel", "access_PIF", "PIF", "tunnel_access_PIF_of" },
  { "tunnel", "transport_PIF", "PIF", "tunnel_transport_PIF_of" },
  { "task", "subtask_of", "task", "subtasks" },
  { "VGPU", "VM", "VM", "VGPUs" },
  { "VGPU", "GPU_group", "GPU_group", "VGPUs" },
  { "PGPU", "GPU_group", "GPU_group", "PGPUs" },
  { "PGPU", "host", "host", "PGPUs" },
  { "host_cpu", "host", "host", "host_CPUs" },
  { "host_crashdump", "host", "host", "crashdumps" },
  { "host_patch", "host", "host", "patches" },
  { "crashdump", "VM", "VM", "crash_dumps" },
  { "PBD", "host", "host", "PBDs" },
  { "PIF", "host", "host", "PIFs" },
  { "console", "VM", "VM", "consoles" },
};

/* Relations we must not infer even though the types match. */
static const struct { const char *cls, *field; } no_relations[] = {
  { "VM", "affinity" },
  { "VM", "scheduled_to_be_resident_on" },
  { "VM", "suspend_VDI" },
  { "VM", "suspend_SR" },
  { "VM", "guest_metrics" },
  { "VM", "metrics" },
  { "VBD", "metrics" },
  { "VIF", "metrics" },
  { "PIF", "metrics" },
  { "host", "metrics" },
  { "host", "suspend_image_sr" },
  { "host", "crash_dump_sr" },
  { "pool", "master" },
  { "pool", "default_SR" },
  { "pool", "suspend_image_SR" },
  { "pool", "crash_dump_SR" },
  { "task", "resident_on" },
  { "VDI", "parent" },
  { "PIF", "bond_master_of" },
  { "session", "this_host" },
  { "session", "this_user" },
  { "session", "parent" },
  { "Bond", "primary_slave" },
  { "VLAN", "untagged_PIF" },
};

static void
link_relations (SimModel *model)
{
  for (guint c = 0; c < model->classes->len; c++)
    {
      SimClass *cls = model->classes->pdata[c];

      for (guint i = 0; i < cls->fields->len; i++)
        {
          SimField *f = cls->fields->pdata[i];
          SimClass *other;
          SimField *set = NULL;
          gboolean skip = FALSE;

          if (f->type->kind != SIM_T_REF)
            continue;
          for (guint k = 0; k < G_N_ELEMENTS (no_relations); k++)
            if (strcmp (no_relations[k].cls, cls->name) == 0 && strcmp (no_relations[k].field, f->name) == 0)
              skip = TRUE;
          if (skip)
            continue;
          other = g_hash_table_lookup (model->class_index, f->type->name);
          if (other == NULL)
            continue;
          for (guint k = 0; k < G_N_ELEMENTS (relations); k++)
            if (strcmp (relations[k].cls, cls->name) == 0 && strcmp (relations[k].field, f->name) == 0)
              {
                set = g_hash_table_lookup (other->field_index, relations[k].set);
                skip = TRUE;
              }
          if (!skip)
            {
              /* exactly one "<cls> ref set" field on the other side */
              int found = 0;
              for (guint k = 0; k < other->fields->len; k++)
                {
                  SimField *of = other->fields->pdata[k];
                  if (of->type->kind == SIM_T_SET && of->type->elem->kind == SIM_T_REF
                      && strcmp (of->type->elem->name, cls->name) == 0)
                    {
                      set = of;
                      found++;
                    }
                }
              if (found != 1)
                set = NULL;
            }
          if (set && set->type->kind == SIM_T_SET)
            {
              f->has_rel = TRUE;
              set->is_reverse = TRUE;
              f->rel_class = other;
              f->rel_field = set->index;
            }
        }
    }
}

SimModel *
sim_model_load (GBytes  *json,
                GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  SimModel *model;
  JsonObject *root;
  JsonArray *classes, *errors;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (json, NULL), g_bytes_get_size (json), error))
    return NULL;
  root = json_node_get_object (json_parser_get_root (parser));
  classes = json_object_get_array_member (root, "classes");
  errors = json_object_get_array_member (root, "errors");

  model = g_new0 (SimModel, 1);
  model->classes = g_ptr_array_new_with_free_func (class_free);
  model->class_index = g_hash_table_new (g_str_hash, g_str_equal);
  model->class_lindex = g_hash_table_new (g_str_hash, g_str_equal);
  model->enums = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, enum_free);
  model->errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  model->types = g_ptr_array_new_with_free_func (type_free);

  for (guint i = 0; i < json_array_get_length (errors); i++)
    {
      JsonObject *e = json_array_get_object_element (errors, i);
      JsonArray *ps = json_object_get_array_member (e, "params");
      GStrv names = g_new0 (char *, json_array_get_length (ps) + 1);
      for (guint k = 0; k < json_array_get_length (ps); k++)
        names[k] = g_strdup (json_array_get_string_element (ps, k));
      g_hash_table_replace (model->errors, g_strdup (json_object_get_string_member (e, "name")), names);
    }

  for (guint i = 0; i < json_array_get_length (classes); i++)
    {
      JsonObject *co = json_array_get_object_element (classes, i);
      JsonArray *enums = json_object_get_array_member (co, "enums");

      for (guint k = 0; enums && k < json_array_get_length (enums); k++)
        {
          JsonObject *eo = json_array_get_object_element (enums, k);
          JsonArray *vals = json_object_get_array_member (eo, "values");
          SimEnum *en = g_new0 (SimEnum, 1);
          en->name = g_strdup (json_object_get_string_member (eo, "name"));
          en->values = g_new0 (char *, json_array_get_length (vals) + 1);
          for (guint j = 0; j < json_array_get_length (vals); j++)
            en->values[j] = g_strdup (json_array_get_string_element (vals, j));
          g_hash_table_replace (model->enums, en->name, en);
        }
    }

  for (guint i = 0; i < json_array_get_length (classes); i++)
    {
      JsonObject *co = json_array_get_object_element (classes, i);
      JsonArray *fields = json_object_get_array_member (co, "fields");
      JsonArray *messages = json_object_get_array_member (co, "messages");
      SimClass *cls = g_new0 (SimClass, 1);

      cls->name = g_strdup (json_object_get_string_member (co, "name"));
      cls->lname = g_ascii_strdown (cls->name, -1);
      cls->gen_events = json_object_get_boolean_member_with_default (co, "gen_events", TRUE);
      cls->fields = g_ptr_array_new_with_free_func (field_free);
      cls->field_index = g_hash_table_new (g_str_hash, g_str_equal);
      cls->messages = g_hash_table_new (g_str_hash, g_str_equal);
      cls->message_list = g_ptr_array_new_with_free_func (message_free);
      cls->rows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, row_free);
      cls->name_label = -1;
      cls->uuid = -1;

      for (guint k = 0; fields && k < json_array_get_length (fields); k++)
        {
          JsonObject *fo = json_array_get_object_element (fields, k);
          SimField *f = g_new0 (SimField, 1);
          const char *q = json_object_get_string_member_with_default (fo, "qualifier", "RO/runtime");

          f->name = g_strdup (json_object_get_string_member (fo, "name"));
          f->type = parse_type (model, json_object_get_string_member (fo, "type"));
          resolve_type (model, f->type);
          f->qualifier = strcmp (q, "RW") == 0 ? SIM_Q_RW
                         : strcmp (q, "RO/constructor") == 0 ? SIM_Q_RO_CONSTRUCTOR : SIM_Q_RO_RUNTIME;
          f->def = parse_default (model, f->type, json_object_get_string_member_with_default (fo, "default", NULL));
          if (f->def)
            json_node_seal (f->def);
          f->index = cls->fields->len;
          g_ptr_array_add (cls->fields, f);
          g_hash_table_insert (cls->field_index, f->name, f);
          if (strcmp (f->name, "name_label") == 0)
            cls->name_label = f->index;
          if (strcmp (f->name, "uuid") == 0)
            cls->uuid = f->index;
        }

      for (guint k = 0; messages && k < json_array_get_length (messages); k++)
        {
          JsonObject *mo = json_array_get_object_element (messages, k);
          JsonArray *ps = json_object_get_array_member (mo, "params");
          SimMessage *m = g_new0 (SimMessage, 1);
          const char *roles = json_object_get_string_member_with_default (mo, "roles", NULL);

          m->name = g_strdup (json_object_get_string_member (mo, "name"));
          m->cls = cls;
          m->wire = g_strdup_printf ("%s.%s", cls->name, m->name);
          m->params = g_ptr_array_new ();
          m->param_names = g_ptr_array_new ();
          for (guint j = 0; j < json_array_get_length (ps); j++)
            {
              JsonObject *po = json_array_get_object_element (ps, j);
              const char *pname = json_object_get_string_member (po, "name");
              if (j == 0 && strcmp (pname, "session_id") == 0)
                {
                  m->has_session = TRUE;
                  continue;
                }
              SimType *t = parse_type (model, json_object_get_string_member (po, "type"));
              resolve_type (model, t);
              g_ptr_array_add (m->params, t);
              g_ptr_array_add (m->param_names, (gpointer) g_intern_string (pname));
            }
          m->result = parse_type (model, json_object_get_string_member_with_default (mo, "result", "void"));
          resolve_type (model, m->result);
          m->async = json_object_get_boolean_member_with_default (mo, "async", FALSE);
          m->implicit = json_object_get_boolean_member_with_default (mo, "implicit", FALSE);
          m->read_only = roles != NULL && strcmp (roles, "read-only") == 0;
          m->min_params = m->params->len;
          for (guint j = 0; j < G_N_ELEMENTS (param_defaults); j++)
            if (strcmp (param_defaults[j].wire, m->wire) == 0 && param_defaults[j].min < m->min_params)
              m->min_params = param_defaults[j].min;
          g_ptr_array_add (cls->message_list, m);
          g_hash_table_replace (cls->messages, m->name, m);
        }

      g_ptr_array_add (model->classes, cls);
      g_hash_table_insert (model->class_index, cls->name, cls);
      g_hash_table_insert (model->class_lindex, cls->lname, cls);
    }

  link_relations (model);
  return model;
}

void
sim_model_free (SimModel *model)
{
  if (model == NULL)
    return;
  g_hash_table_unref (model->class_index);
  g_hash_table_unref (model->class_lindex);
  g_ptr_array_unref (model->classes);
  g_hash_table_unref (model->enums);
  g_hash_table_unref (model->errors);
  g_ptr_array_unref (model->types);
  g_free (model);
}

SimClass *
sim_model_class (SimModel   *model,
                 const char *name)
{
  return g_hash_table_lookup (model->class_index, name);
}

SimField *
sim_class_field (SimClass   *cls,
                 const char *name)
{
  return g_hash_table_lookup (cls->field_index, name);
}

SimMessage *
sim_class_message (SimClass   *cls,
                   const char *name)
{
  return g_hash_table_lookup (cls->messages, name);
}
