/* xapi-marshal.c: JSON <-> C helpers for the generated classes and wrappers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "xapi-marshal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "xapi-error.h"
#include "xapi-json.h"

/* ---- datetimes ----------------------------------------------------------- */

char *
xapi_marshal_format_datetime (GDateTime *dt)
{
  g_autoptr(GDateTime) utc = NULL;

  if (dt == NULL)
    return g_strdup ("19700101T00:00:00Z");
  utc = g_date_time_to_utc (dt);
  return g_date_time_format (utc, "%Y%m%dT%H:%M:%SZ");
}

static gboolean
read_digits (const char **p,
             const char  *end,
             int          n,
             int         *out)
{
  int v = 0;

  for (int i = 0; i < n; i++)
    {
      if (*p >= end || !g_ascii_isdigit (**p))
        return FALSE;
      v = v * 10 + (**p - '0');
      (*p)++;
    }
  *out = v;
  return TRUE;
}

GDateTime *
xapi_marshal_parse_datetime (const char *text,
                             gssize      len)
{
  const char *p, *end;
  int year, month, day, hour = 0, minute = 0, second = 0;
  double frac = 0.0;
  int offset_sec = 0;
  g_autoptr(GTimeZone) tz = NULL;

  if (text == NULL)
    return NULL;
  if (len < 0)
    len = strlen (text);
  p = text;
  end = text + len;
  while (p < end && g_ascii_isspace (*p))
    p++;
  while (end > p && g_ascii_isspace (end[-1]))
    end--;

  if (!read_digits (&p, end, 4, &year))
    return NULL;
  if (p < end && *p == '-')
    p++;
  if (!read_digits (&p, end, 2, &month))
    return NULL;
  if (p < end && *p == '-')
    p++;
  if (!read_digits (&p, end, 2, &day))
    return NULL;

  if (p < end && (*p == 'T' || *p == 't' || *p == ' '))
    {
      p++;
      if (!read_digits (&p, end, 2, &hour))
        return NULL;
      if (p < end && *p == ':')
        p++;
      if (!read_digits (&p, end, 2, &minute))
        return NULL;
      if (p < end && *p == ':')
        p++;
      if (p < end && g_ascii_isdigit (*p) && !read_digits (&p, end, 2, &second))
        return NULL;
      if (p < end && (*p == '.' || *p == ','))
        {
          double scale = 0.1;

          p++;
          if (p >= end || !g_ascii_isdigit (*p))
            return NULL;
          while (p < end && g_ascii_isdigit (*p))
            {
              frac += (*p - '0') * scale;
              scale /= 10;
              p++;
            }
        }
    }

  if (p < end && (*p == 'Z' || *p == 'z'))
    p++;
  else if (p < end && (*p == '+' || *p == '-'))
    {
      int sign = *p == '-' ? -1 : 1, oh, om = 0;

      p++;
      if (!read_digits (&p, end, 2, &oh))
        return NULL;
      if (p < end && *p == ':')
        p++;
      if (p < end && !read_digits (&p, end, 2, &om))
        return NULL;
      if (oh > 23 || om > 59)
        return NULL;
      offset_sec = sign * (oh * 3600 + om * 60);
    }
  if (p != end)
    return NULL;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60)
    return NULL;
  if (second == 60)
    second = 59;  /* leap second: clamp */

  tz = offset_sec ? g_time_zone_new_offset (offset_sec) : g_time_zone_new_utc ();
  if (tz == NULL)
    return NULL;
  {
    g_autoptr(GDateTime) local = g_date_time_new (tz, year, month, day, hour, minute, second + frac);
    if (local == NULL)
      return NULL;
    return offset_sec ? g_date_time_to_utc (local) : g_steal_pointer (&local);
  }
}

/* ---- scalars ------------------------------------------------------------- */

gboolean
xapi_marshal_parse_int64 (const char *text,
                          gsize       len,
                          gint64     *out)
{
  const char *p = text, *end = text + len;
  gboolean neg = FALSE;
  guint64 v = 0;

  while (p < end && g_ascii_isspace (*p))
    p++;
  while (end > p && g_ascii_isspace (end[-1]))
    end--;
  if (p < end && (*p == '-' || *p == '+'))
    neg = *p++ == '-';
  if (p == end)
    return FALSE;
  for (; p < end; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      if (v > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      v = v * 10 + (guint64) (*p - '0');
    }
  if (neg)
    {
      if (v > (guint64) G_MAXINT64 + 1)
        return FALSE;
      *out = v == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) v;
    }
  else
    {
      if (v > (guint64) G_MAXINT64)
        return FALSE;
      *out = (gint64) v;
    }
  return TRUE;
}

int
xapi_marshal_enum_from_nick (GType       enum_type,
                             const char *nick)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *ev;

  if (nick == NULL)
    return 0;
  klass = g_type_class_ref (enum_type);
  ev = g_enum_get_value_by_nick (klass, nick);
  if (ev != NULL && ev->value != 0)
    return ev->value;
  for (guint i = 0; i < klass->n_values; i++)
    if (klass->values[i].value != 0 && g_ascii_strcasecmp (klass->values[i].value_nick, nick) == 0)
      return klass->values[i].value;
  return 0;
}

const char *
xapi_marshal_enum_to_nick (GType enum_type,
                           int   value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *ev;

  if (value == 0)
    return NULL;
  klass = g_type_class_ref (enum_type);
  ev = g_enum_get_value (klass, value);
  /* The nick strings are static (g_enum_register_static) */
  return ev ? ev->value_nick : NULL;
}

/* ---- json-glib conversions ---------------------------------------------- */

char *
xapi_marshal_node_to_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("null");
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType t = json_node_get_value_type (node);

      if (t == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if (t == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (t == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (node) ? "true" : "false");
      if (t == G_TYPE_DOUBLE)
        {
          GString *s = g_string_new (NULL);
          xapi_json_append_double (s, json_node_get_double (node));
          return g_string_free (s, FALSE);
        }
    }
  return xapi_json_to_string (node, NULL);
}

static void
add_typed_text (JsonArray     *array,
                const char    *text,
                XapiFieldKind  kind)
{
  gint64 i;

  if (kind == XAPI_FIELD_INT && text && xapi_marshal_parse_int64 (text, strlen (text), &i))
    json_array_add_int_element (array, i);
  else if (kind == XAPI_FIELD_FLOAT && text)
    json_array_add_double_element (array, g_ascii_strtod (text, NULL));
  else if (kind == XAPI_FIELD_BOOL && text)
    json_array_add_boolean_element (array, g_ascii_strcasecmp (text, "true") == 0 || strcmp (text, "1") == 0);
  else
    json_array_add_string_element (array, text ? text : "");
}

JsonArray *
xapi_marshal_strv_to_array (const char * const *strv,
                            XapiFieldKind       elem_kind)
{
  JsonArray *a = json_array_new ();

  for (guint i = 0; strv && strv[i]; i++)
    add_typed_text (a, strv[i], elem_kind);
  return a;
}

char **
xapi_marshal_array_to_strv (JsonArray *array)
{
  GPtrArray *out;
  guint n;

  g_return_val_if_fail (array != NULL, NULL);
  n = json_array_get_length (array);
  out = g_ptr_array_new_full (n + 1, g_free);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (e))
        {
          g_ptr_array_unref (out);
          return NULL;
        }
      g_ptr_array_add (out, xapi_marshal_node_to_text (e));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

JsonObject *
xapi_marshal_map_to_object (GHashTable    *map,
                            XapiFieldKind  value_kind)
{
  JsonObject *o = json_object_new ();
  GHashTableIter it;
  gpointer k, v;

  if (map == NULL)
    return o;
  g_hash_table_iter_init (&it, map);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      g_autoptr(JsonArray) tmp = json_array_new ();

      add_typed_text (tmp, v, value_kind);
      json_object_set_member (o, k, json_node_copy (json_array_get_element (tmp, 0)));
    }
  return o;
}

GHashTable *
xapi_marshal_object_to_map (JsonObject *object)
{
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonObjectIter it;
  const char *k;
  JsonNode *v;

  g_return_val_if_fail (object != NULL, map);
  json_object_iter_init (&it, object);
  while (json_object_iter_next (&it, &k, &v))
    g_hash_table_insert (map, g_strdup (k), xapi_marshal_node_to_text (v));
  return map;
}

/* ---- parameter arrays ---------------------------------------------------- */

void
_xapi_marshal_add_string (JsonArray  *p,
                          const char *value)
{
  json_array_add_string_element (p, value ? value : "");
}

void
_xapi_marshal_add_ref (JsonArray  *p,
                       const char *value)
{
  json_array_add_string_element (p, value && *value ? value : "OpaqueRef:NULL");
}

void
_xapi_marshal_add_enum (JsonArray *p,
                        GType      enum_type,
                        int        value)
{
  const char *nick = xapi_marshal_enum_to_nick (enum_type, value);

  if (nick == NULL)
    g_warning ("Sending an unrecognised %s value %d", g_type_name (enum_type), value);
  json_array_add_string_element (p, nick ? nick : "");
}

void
_xapi_marshal_add_strv (JsonArray          *p,
                        const char * const *strv,
                        XapiFieldKind       elem_kind)
{
  json_array_add_array_element (p, xapi_marshal_strv_to_array (strv, elem_kind));
}

void
_xapi_marshal_add_map (JsonArray     *p,
                       GHashTable    *map,
                       XapiFieldKind  value_kind)
{
  json_array_add_object_element (p, xapi_marshal_map_to_object (map, value_kind));
}

void
_xapi_marshal_add_datetime (JsonArray *p,
                            GDateTime *dt)
{
  g_autofree char *text = xapi_marshal_format_datetime (dt);

  json_array_add_string_element (p, text);
}

void
_xapi_marshal_add_object (JsonArray  *p,
                          JsonObject *object)
{
  json_array_add_object_element (p, object ? json_object_ref (object) : json_object_new ());
}

void
_xapi_marshal_add_node (JsonArray *p,
                        JsonNode  *node)
{
  json_array_add_element (p, node ? json_node_copy (node) : json_node_new (JSON_NODE_NULL));
}

/* ---- calls ----------------------------------------------------------------- */

static void
call_done (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  JsonNode *node = xapi_connection_call_finish (XAPI_CONNECTION (source), res, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, node ? node : json_node_new (JSON_NODE_NULL),
                           (GDestroyNotify) json_node_unref);
}

void
_xapi_call_async (XapiConnection      *connection,
                  const char          *method,
                  JsonArray           *params,
                  gpointer             tag,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XAPI_IS_CONNECTION (connection));

  task = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (task, tag);
  g_task_set_name (task, method);
  xapi_connection_call_async (connection, method, params, cancellable, call_done, task);
}

static void
call_task_done (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  XapiTask *xt = xapi_connection_call_as_task_finish (XAPI_CONNECTION (source), res, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, xt, g_object_unref);
}

void
_xapi_call_as_task_async (XapiConnection      *connection,
                          const char          *method,
                          JsonArray           *params,
                          gpointer             tag,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XAPI_IS_CONNECTION (connection));

  task = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (task, tag);
  g_task_set_name (task, method);
  xapi_connection_call_as_task_async (connection, method, params, cancellable, call_task_done, task);
}

static JsonNode *
finish_node (XapiConnection  *c,
             GAsyncResult    *r,
             gpointer         tag,
             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (r, c), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (r)) == tag, NULL);
  return g_task_propagate_pointer (G_TASK (r), error);
}

static gboolean
type_error (GError    **error,
            const char *what,
            JsonNode   *node)
{
  g_autofree char *text = node ? xapi_json_to_string (node, NULL) : NULL;

  g_set_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL,
               "The server sent a reply of the wrong type: expected %s in the result, got %.64s", what, text ? text : "nothing");
  return FALSE;
}

static gboolean
node_is (JsonNode *node,
         GType     type)
{
  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

gboolean
_xapi_finish_void (XapiConnection  *c,
                   GAsyncResult    *r,
                   gpointer         tag,
                   GError         **error)
{
  g_autoptr(JsonNode) node = finish_node (c, r, tag, error);

  return node != NULL;
}

char *
_xapi_finish_string (XapiConnection  *c,
                     GAsyncResult    *r,
                     gpointer         tag,
                     GError         **error)
{
  g_autoptr(JsonNode) node = finish_node (c, r, tag, error);

  if (node == NULL)
    return NULL;
  if (!node_is (node, G_TYPE_STRING))
    return type_error (error, "a string", node), NULL;
  return g_strdup (json_node_get_string (node));
}

char **
_xapi_finish_strv (XapiConnection  *c,
                   GAsyncResult    *r,
                   gpointer         tag,
                   GError         **error)
{
  g_autoptr(JsonNode) node = finish_node (c, r, tag, error);
  char **strv;

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node) || !(strv = xapi_marshal_array_to_strv (json_node_get_array (node))))
    return type_error (error, "an array of strings", node), NULL;
  return strv;
}

GHashTable *
_xapi_finish_map (XapiConnection  *c,
                  GAsyncResult    *r,
                  gpointer         tag,
                  GError         **error)
{
  g_autoptr(JsonNode) node = finish_node (c, r, tag, error);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return type_error (error, "an object", node), NULL;
  return xapi_marshal_object_to_map (json_node_get_object (node));
}

gboolean
_xapi_finish_int (XapiConnection  *c,
                  GAsyncResult    *r,
                  gpointer         tag,
                  gint64          *out,
                  GError         **error)
{
  g_autoptr(JsonNode) node = finish_node (c, r, tag, error);
  gint64 v;

  if (node == NULL)
    return FALSE;
  if (node_is (node, G_TYPE_INT64))
    v = json_node_get_int (node);
  else if (!node_is (node, G_TYPE_STRING)
           || !xapi_marshal_parse_int64 (json_node_get_string (node), strlen (json_node_get_string (node)), &v))
    return type_error (error, "an integer", node);
  if (out)
    *out = v;
  return TRUE;
}

gboolean
_xapi_finish_double (XapiConnection  *c,
                     GAsyncResult    *r,
                     gpointer         tag,
                     double          *out,
                     GError         **error)
{
  g_autoptr(JsonNode) node = finish_node (c, r, tag, error);
  double v;

  if (node == NULL)
    return FALSE;
  if (node_is (node, G_TYPE_DOUBLE))
    v = json_node_get_double (node);
  else if (node_is (node, G_TYPE_INT64))
    v = (double) json_node_get_int (node);
  else
    return type_error (error, "a number", node);
  if (out)
    *out = v;
  return TRUE;
}

gboolean
_xapi_finish_bool (XapiConnection  *c,
                   GAsyncResult    *r,
                   gpointer         tag,
                   gboolean        *out,
                   GError         **error)
{
  g_autoptr(JsonNode) node = finish_node (c, r, tag, error);

  if (node == NULL)
    return FALSE;
  if (!node_is (node, G_TYPE_BOOLEAN))
    return type_error (error, "a boolean", node);
  if (out)
    *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
_xapi_finish_enum (XapiConnection  *c,
                   GAsyncResult    *r,
                   gpointer         tag,
                   GType            enum_type,
                   int             *out,
                   GError         **error)
{
  g_autoptr(JsonNode) node = finish_node (c, r, tag, error);

  if (node == NULL)
    return FALSE;
  if (!node_is (node, G_TYPE_STRING))
    return type_error (error, "an enum string", node);
  if (out)
    *out = xapi_marshal_enum_from_nick (enum_type, json_node_get_string (node));
  return TRUE;
}

GDateTime *
_xapi_finish_datetime (XapiConnection  *c,
                       GAsyncResult    *r,
                       gpointer         tag,
                       GError         **error)
{
  g_autoptr(JsonNode) node = finish_node (c, r, tag, error);
  GDateTime *dt;

  if (node == NULL)
    return NULL;
  if (!node_is (node, G_TYPE_STRING) || !(dt = xapi_marshal_parse_datetime (json_node_get_string (node), -1)))
    return type_error (error, "a datetime", node), NULL;
  return dt;
}

JsonNode *
_xapi_finish_node (XapiConnection  *c,
                   GAsyncResult    *r,
                   gpointer         tag,
                   GError         **error)
{
  return finish_node (c, r, tag, error);
}

XapiTask *
_xapi_finish_task (XapiConnection  *c,
                   GAsyncResult    *r,
                   gpointer         tag,
                   GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (r, c), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (r)) == tag, NULL);
  return g_task_propagate_pointer (G_TASK (r), error);
}

/* ---- small shared helpers ------------------------------------------------- */

const char * const *
_xapi_strv_or_empty (char **strv)
{
  static const char *const empty[] = { NULL };

  return strv ? (const char * const *) strv : empty;
}

GHashTable *
_xapi_map_or_empty (GHashTable *map)
{
  static GHashTable *empty;

  if (map)
    return map;
  if (g_once_init_enter (&empty))
    g_once_init_leave (&empty, g_hash_table_new (g_str_hash, g_str_equal));
  return empty;
}

const char *
_xapi_intern (const char *str,
              gsize       len)
{
  char buf[128];

  if (len < sizeof buf)
    {
      memcpy (buf, str, len);
      buf[len] = '\0';
      return g_intern_string (buf);
    }
  else
    {
      g_autofree char *tmp = g_strndup (str, len);
      return g_intern_string (tmp);
    }
}
