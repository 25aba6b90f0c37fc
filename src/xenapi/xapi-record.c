/* xapi-record.c: parse records off the main thread, apply them on it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "xapi-object.h"

#include <math.h>
#include <string.h>
#include "xapi-json.h"
#include "xapi-marshal.h"

typedef union
{
  char       *s;      /* STRING, REF, JSON */
  gint64      i;
  double      d;
  gboolean    b;
  GDateTime  *dt;
  int         e;
  char      **strv;
  GHashTable *map;
} Value;

typedef struct
{
  guint index;        /* into info->fields */
  Value v;
} FieldValue;

typedef struct
{
  char *name;
  char *raw;          /* JSON text */
} ExtraValue;

struct _XapiRecord
{
  const XapiClassInfo *info;
  GArray              *extra;    /* ExtraValue */
  gboolean             partial;  /* fields were left out (unchanged) */
  guint                n_values;
  FieldValue           values[];
};

/* ---- values ------------------------------------------------------------------ */

static GHashTable *
new_map (void)
{
  /* keys are interned (never freed) */
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
}

/* A third of a pool's string fields are "" or "OpaqueRef:NULL": fields
 * holding them point here instead of to a copy each (never freed). */
static char shared_empty[] = "";
static char shared_null_ref[] = "OpaqueRef:NULL";

static char *
field_string_new (const char *s,
                  gsize       len)
{
  if (len == 0)
    return shared_empty;
  if (len == sizeof shared_null_ref - 1 && memcmp (s, shared_null_ref, len) == 0)
    return shared_null_ref;
  return g_strndup (s, len);
}

void
_xapi_field_clear (gpointer      slot,
                   XapiFieldKind kind)
{
  switch (kind)
    {
    case XAPI_FIELD_STRING:
    case XAPI_FIELD_REF:
    case XAPI_FIELD_JSON:
      {
        char *s = g_steal_pointer ((char **) slot);

        if (s != shared_empty && s != shared_null_ref)
          g_free (s);
      }
      break;
    case XAPI_FIELD_DATETIME:
      g_clear_pointer ((GDateTime **) slot, g_date_time_unref);
      break;
    case XAPI_FIELD_STRV:
      g_clear_pointer ((char ***) slot, g_strfreev);
      break;
    case XAPI_FIELD_MAP:
      g_clear_pointer ((GHashTable **) slot, g_hash_table_unref);
      break;
    default:
      break;
    }
}

static GHashTable *
map_copy (GHashTable *map)
{
  GHashTable *copy;
  GHashTableIter it;
  gpointer k, v;

  if (map == NULL)
    return NULL;
  copy = new_map ();
  g_hash_table_iter_init (&it, map);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (copy, (gpointer) g_intern_string (k), g_strdup (v));
  return copy;
}

static gboolean
map_equal (GHashTable *a,
           GHashTable *b)
{
  GHashTableIter it;
  gpointer k, v;
  guint na = a ? g_hash_table_size (a) : 0;
  guint nb = b ? g_hash_table_size (b) : 0;

  if (na != nb)
    return FALSE;
  if (na == 0)
    return TRUE;
  g_hash_table_iter_init (&it, a);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      gpointer bv;

      if (!g_hash_table_lookup_extended (b, k, NULL, &bv) || g_strcmp0 (v, bv) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
strv_equal (char **a,
            char **b)
{
  guint i;

  if (a == NULL || b == NULL)
    return (a == NULL || a[0] == NULL) && (b == NULL || b[0] == NULL);
  for (i = 0; a[i] && b[i]; i++)
    if (strcmp (a[i], b[i]) != 0)
      return FALSE;
  return a[i] == NULL && b[i] == NULL;
}

static gboolean
value_equal (XapiFieldKind kind,
             gpointer      slot,
             const Value  *v)
{
  switch (kind)
    {
    case XAPI_FIELD_STRING:
    case XAPI_FIELD_REF:
    case XAPI_FIELD_JSON:
      return g_strcmp0 (*(char **) slot, v->s) == 0;
    case XAPI_FIELD_INT:
      return *(gint64 *) slot == v->i;
    case XAPI_FIELD_FLOAT:
      {
        double a = *(double *) slot;
        return memcmp (&a, &v->d, sizeof a) == 0 || a == v->d || (isnan (a) && isnan (v->d));
      }
    case XAPI_FIELD_BOOL:
      return !*(gboolean *) slot == !v->b;
    case XAPI_FIELD_DATETIME:
      {
        GDateTime *a = *(GDateTime **) slot;
        if (a == NULL || v->dt == NULL)
          return a == v->dt;
        return g_date_time_equal (a, v->dt);
      }
    case XAPI_FIELD_ENUM:
      return *(int *) slot == v->e;
    case XAPI_FIELD_STRV:
      return strv_equal (*(char ***) slot, v->strv);
    case XAPI_FIELD_MAP:
      return map_equal (*(GHashTable **) slot, v->map);
    default:
      g_assert_not_reached ();
    }
}

/* Store a copy of @v into @slot (whose old value has been cleared). */
static void
value_store_copy (XapiFieldKind kind,
                  gpointer      slot,
                  const Value  *v)
{
  switch (kind)
    {
    case XAPI_FIELD_STRING:
    case XAPI_FIELD_REF:
    case XAPI_FIELD_JSON:
      *(char **) slot = g_strdup (v->s);
      break;
    case XAPI_FIELD_INT:
      *(gint64 *) slot = v->i;
      break;
    case XAPI_FIELD_FLOAT:
      *(double *) slot = v->d;
      break;
    case XAPI_FIELD_BOOL:
      *(gboolean *) slot = v->b;
      break;
    case XAPI_FIELD_DATETIME:
      *(GDateTime **) slot = v->dt ? g_date_time_ref (v->dt) : NULL;
      break;
    case XAPI_FIELD_ENUM:
      *(int *) slot = v->e;
      break;
    case XAPI_FIELD_STRV:
      *(char ***) slot = (v->strv && v->strv[0]) ? g_strdupv (v->strv) : NULL;
      break;
    case XAPI_FIELD_MAP:
      *(GHashTable **) slot = (v->map && g_hash_table_size (v->map)) ? map_copy (v->map) : NULL;
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Move @v into @slot (whose old value has been cleared), leaving @v empty:
 * the cache's records are applied once and dropped, so their strings, sets
 * and maps become the object's without a copy. */
static void
value_store_take (XapiFieldKind kind,
                  gpointer      slot,
                  Value        *v)
{
  switch (kind)
    {
    case XAPI_FIELD_STRV:
      if (v->strv != NULL && v->strv[0] == NULL)
        g_clear_pointer (&v->strv, g_strfreev);
      break;
    case XAPI_FIELD_MAP:
      if (v->map != NULL && g_hash_table_size (v->map) == 0)
        g_clear_pointer (&v->map, g_hash_table_unref);
      break;
    case XAPI_FIELD_STRING:
    case XAPI_FIELD_REF:
    case XAPI_FIELD_JSON:
    case XAPI_FIELD_DATETIME:
      break;
    default:
      /* plain values: nothing owned */
      value_store_copy (kind, slot, v);
      return;
    }
  /* every owning member of the union is one pointer */
  *(gpointer *) slot = v->s;
  v->s = NULL;
}

/* ---- parsing -------------------------------------------------------------------- */

/* Text of a scalar element for sets and maps: strings unescaped, anything
 * else as its JSON text.  Returns a new string or NULL on a syntax error. */
static char *
read_text (XapiJsonReader *r)
{
  const char *s;
  gsize len;

  if (xapi_json_reader_peek (r) == XAPI_JSON_TOKEN_STRING)
    return xapi_json_reader_dup_string (r);
  if (!xapi_json_reader_read_raw (r, &s, &len))
    return NULL;
  return g_strndup (s, len);
}

static char *
quote (const char *s,
       gsize       len)
{
  GString *out = g_string_sized_new (len + 2);
  g_autofree char *tmp = g_strndup (s, len);

  xapi_json_append_string (out, tmp);
  return g_string_free (out, FALSE);
}

/* Decode one value of @f.
 * Returns TRUE with @out set; then *@raw may hold JSON text to keep as an
 * extra field as well (unrecognised enum value, unparsable datetime).
 * Returns FALSE on a type mismatch: if *@raw is set the value was consumed and
 * *@raw is its text, otherwise nothing was consumed (or the reader failed). */
static gboolean
read_value (XapiJsonReader      *r,
            const XapiFieldInfo *f,
            Value               *out,
            char               **raw)
{
  XapiJsonToken tok = xapi_json_reader_peek (r);
  const char *s;
  gsize len;

  *raw = NULL;
  switch (f->kind)
    {
    case XAPI_FIELD_STRING:
    case XAPI_FIELD_REF:
      if (tok != XAPI_JSON_TOKEN_STRING || !xapi_json_reader_read_string (r, &s, &len))
        return FALSE;
      out->s = field_string_new (s, len);
      return TRUE;

    case XAPI_FIELD_JSON:
      if (!xapi_json_reader_read_raw (r, &s, &len))
        return FALSE;
      out->s = g_strndup (s, len);
      return TRUE;

    case XAPI_FIELD_INT:
      if (tok == XAPI_JSON_TOKEN_INT)
        return xapi_json_reader_read_int64 (r, &out->i);
      if (tok != XAPI_JSON_TOKEN_STRING || !xapi_json_reader_read_string (r, &s, &len))
        return FALSE;
      /* XML-RPC era data: decimal strings */
      if (xapi_marshal_parse_int64 (s, len, &out->i))
        return TRUE;
      *raw = quote (s, len);
      return FALSE;

    case XAPI_FIELD_FLOAT:
      if (tok == XAPI_JSON_TOKEN_INT || tok == XAPI_JSON_TOKEN_DOUBLE)
        return xapi_json_reader_read_double (r, &out->d);
      if (tok != XAPI_JSON_TOKEN_STRING || !xapi_json_reader_read_string (r, &s, &len))
        return FALSE;
      {
        char *end = NULL;

        out->d = g_ascii_strtod (s, &end);
        if (len > 0 && end == s + len)
          return TRUE;
      }
      *raw = quote (s, len);
      return FALSE;

    case XAPI_FIELD_BOOL:
      if (tok != XAPI_JSON_TOKEN_BOOL)
        return FALSE;
      return xapi_json_reader_read_bool (r, &out->b);

    case XAPI_FIELD_DATETIME:
      if (tok != XAPI_JSON_TOKEN_STRING || !xapi_json_reader_read_string (r, &s, &len))
        return FALSE;
      out->dt = xapi_marshal_parse_datetime (s, len);
      if (out->dt == NULL)
        *raw = quote (s, len);
      return TRUE;

    case XAPI_FIELD_ENUM:
      if (tok != XAPI_JSON_TOKEN_STRING || !xapi_json_reader_read_string (r, &s, &len))
        return FALSE;
      out->e = xapi_marshal_enum_from_nick (f->enum_get_type (), s);
      if (out->e == 0)
        *raw = quote (s, len);
      return TRUE;

    case XAPI_FIELD_STRV:
      {
        GPtrArray *a;

        if (tok != XAPI_JSON_TOKEN_BEGIN_ARRAY || !xapi_json_reader_begin_array (r))
          return FALSE;
        a = g_ptr_array_new_with_free_func (g_free);
        while (xapi_json_reader_next_element (r))
          {
            char *t = read_text (r);
            if (t == NULL)
              break;
            g_ptr_array_add (a, t);
          }
        if (xapi_json_reader_failed (r, NULL) || a->len == 0)
          {
            g_ptr_array_unref (a);
            out->strv = NULL;
            return !xapi_json_reader_failed (r, NULL);
          }
        g_ptr_array_add (a, NULL);
        g_ptr_array_set_free_func (a, NULL);
        out->strv = (char **) g_ptr_array_free (a, FALSE);
        return TRUE;
      }

    case XAPI_FIELD_MAP:
      {
        GHashTable *map = NULL;
        const char *key;
        gsize key_len;

        if (tok != XAPI_JSON_TOKEN_BEGIN_OBJECT || !xapi_json_reader_begin_object (r))
          return FALSE;
        while (xapi_json_reader_next_member (r, &key, &key_len))
          {
            const char *ikey = _xapi_intern (key, key_len);
            char *t = read_text (r);

            if (t == NULL)
              break;
            if (map == NULL)
              map = new_map ();
            g_hash_table_insert (map, (gpointer) ikey, t);
          }
        if (xapi_json_reader_failed (r, NULL))
          {
            g_clear_pointer (&map, g_hash_table_unref);
            return FALSE;
          }
        out->map = map;
        return TRUE;
      }

    default:
      g_assert_not_reached ();
    }
}

static void
extra_value_clear (ExtraValue *e)
{
  g_free (e->name);
  g_free (e->raw);
}

static void
add_extra_take (GArray    **extra,
                const char *name,
                char       *raw)
{
  ExtraValue e = { g_strdup (name), raw };

  if (*extra == NULL)
    {
      *extra = g_array_new (FALSE, FALSE, sizeof (ExtraValue));
      g_array_set_clear_func (*extra, (GDestroyNotify) extra_value_clear);
    }
  g_array_append_val (*extra, e);
}

/* Records of one class come with their fields in the same order, so the
 * field found at each position of the last record of that class is the
 * first guess for the next one: a string compare instead of a hash lookup.
 * Per thread, direct-mapped on the class. */
#define ORDER_SLOTS 32
#define ORDER_MAX   192

typedef struct {
  const XapiClassInfo *info;
  gint16               index[ORDER_MAX];
} FieldOrder;

static GPrivate field_orders_key = G_PRIVATE_INIT (g_free);   /* FieldOrder[ORDER_SLOTS] */

static FieldOrder *
field_order_for (const XapiClassInfo *info)
{
  FieldOrder *orders, *o;

  if (info == NULL)
    return NULL;
  orders = g_private_get (&field_orders_key);
  if (orders == NULL)
    {
      orders = g_new0 (FieldOrder, ORDER_SLOTS);
      g_private_set (&field_orders_key, orders);
    }
  o = &orders[(GPOINTER_TO_SIZE (info) >> 4) % ORDER_SLOTS];
  if (o->info != info)
    {
      o->info = info;
      memset (o->index, 0xff, sizeof o->index);
    }
  return o;
}

static int
field_index (const XapiClassInfo *info,
             FieldOrder          *order,
             guint                position,
             const char          *key)
{
  int idx;

  if (order != NULL && position < ORDER_MAX)
    {
      idx = order->index[position];
      if (idx >= 0 && (guint) idx < info->n_fields && strcmp (info->fields[idx].wire_name, key) == 0)
        return idx;
    }
  idx = _xapi_class_info_field_index (info, key);
  if (order != NULL && position < ORDER_MAX)
    order->index[position] = (gint16) idx;
  return idx;
}

static void
clear_values (const XapiClassInfo *info,
              FieldValue          *values,
              guint                n_values)
{
  for (guint i = 0; i < n_values; i++)
    _xapi_field_clear (&values[i].v, info->fields[values[i].index].kind);
}

/* The values of the record being parsed, per thread: a record is then one
 * block of the right size, where the array of a VM's ~100 fields used to be
 * a block of its own (and a "large" one to malloc, see xapi-json.c). */
static GPrivate scratch_values = G_PRIVATE_INIT ((GDestroyNotify) g_array_unref);

static GArray *
scratch_values_get (void)
{
  GArray *a = g_private_get (&scratch_values);

  if (a == NULL)
    {
      a = g_array_sized_new (FALSE, FALSE, sizeof (FieldValue), 128);
      g_private_set (&scratch_values, a);
    }
  g_array_set_size (a, 0);
  return a;
}

/* Of raw JSON text; never 0 (0: no hash yet). */
static guint64
raw_hash (const char *data,
          gsize       len)
{
  guint64 h = 0x6a09e667f3bcc909ull ^ len;
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 w;

      memcpy (&w, data + i, 8);
      h = (h ^ w) * 0x9e3779b97f4a7c15ull;
      h ^= h >> 29;
    }
  for (; i < len; i++)
    h = (h ^ (guchar) data[i]) * 0x100000001b3ull;
  h ^= h >> 32;
  return h | 1;
}

/* A reader over one raw value, per thread. */
static GPrivate value_reader = G_PRIVATE_INIT ((GDestroyNotify) xapi_json_reader_free);

static XapiJsonReader *
value_reader_for (const char *raw,
                  gsize       len)
{
  XapiJsonReader *r = g_private_get (&value_reader);

  if (r == NULL)
    {
      r = xapi_json_reader_new (raw, len);
      g_private_set (&value_reader, r);
    }
  else
    xapi_json_reader_reset (r, raw, len);
  return r;
}

/* Known field @idx of a record, the reader on its value: appended to @values
 * (or to @extra as raw text when its type is unexpected).  With @hashes (one
 * per field of the class), its text is hashed; with @compare too, a text
 * whose hash is the field's entry is skipped (*@partial is then set), and any
 * other sets the entry.  FALSE if the reader failed. */
static gboolean
parse_field (const XapiClassInfo  *info,
             int                   idx,
             XapiJsonReader       *reader,
             guint64              *hashes,
             gboolean              compare,
             GArray               *values,
             GArray              **extra,
             gboolean             *partial)
{
  const XapiFieldInfo *f = &info->fields[idx];
  FieldValue fv = { (guint) idx, { 0 } };
  XapiJsonReader *from = reader;
  const char *raw = NULL, *read;
  gsize raw_len = 0, read_len;
  char *text = NULL;
  gboolean ok;

  if (hashes != NULL && compare)
    {
      guint64 h;

      if (!xapi_json_reader_read_raw (reader, &raw, &raw_len))
        return FALSE;
      h = raw_hash (raw, raw_len);
      if (hashes[idx] == h)
        {
          *partial = TRUE;
          return TRUE;
        }
      hashes[idx] = h;
      from = value_reader_for (raw, raw_len);
    }
  else if (hashes != NULL)
    {
      /* the first time: decode as usual, and hash the text read */
      hashes[idx] = 0;
      xapi_json_reader_capture_begin (reader);
    }

  ok = read_value (from, f, &fv.v, &text);
  if (hashes != NULL && !compare && xapi_json_reader_capture_end (reader, &read, &read_len) && ok)
    hashes[idx] = raw_hash (read, read_len);   /* (no hash: decoded again next time) */
  if (ok)
    {
      g_array_append_val (values, fv);
      if (text)
        add_extra_take (extra, f->wire_name, text);
      return TRUE;
    }
  if (from == reader && xapi_json_reader_failed (reader, NULL))
    return FALSE;
  g_debug ("Field %s.%s: value of an unexpected type, kept as extra",
           info->wire_name, f->wire_name);
  if (text == NULL)
    {
      if (raw == NULL && !xapi_json_reader_read_raw (reader, &raw, &raw_len))
        return FALSE;
      text = g_strndup (raw, raw_len);
    }
  add_extra_take (extra, f->wire_name, text);
  return TRUE;
}

/* See parse_field() for @hashes and @compare. */
static XapiRecord *
parse_record (const XapiClassInfo  *info,
              XapiJsonReader       *reader,
              guint64              *hashes,
              gboolean              compare,
              GError              **error)
{
  g_autoptr(GArray) extra = NULL;
  FieldOrder *order = field_order_for (info);
  GArray *values = scratch_values_get ();
  XapiRecord *record;
  gboolean partial = FALSE;
  guint position = 0;
  const char *key;
  gsize key_len;

  g_return_val_if_fail (reader != NULL, NULL);

  if (xapi_json_reader_peek (reader) != XAPI_JSON_TOKEN_BEGIN_OBJECT)
    {
      if (!xapi_json_reader_failed (reader, error))
        g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE, "Expected a record object");
      return NULL;
    }
  if (!xapi_json_reader_begin_object (reader))
    {
      xapi_json_reader_failed (reader, error);
      return NULL;
    }
  while (xapi_json_reader_next_member (reader, &key, &key_len))
    {
      int idx = field_index (info, order, position++, key);

      if (idx >= 0)
        {
          if (!parse_field (info, idx, reader, hashes, compare, values, &extra, &partial))
            break;
        }
      else
        {
          g_autofree char *name = g_strndup (key, key_len);
          const char *raw;
          gsize raw_len;

          if (!xapi_json_reader_read_raw (reader, &raw, &raw_len))
            break;
          add_extra_take (&extra, name, g_strndup (raw, raw_len));
        }
    }
  if (xapi_json_reader_failed (reader, error))
    {
      clear_values (info, (FieldValue *) (gpointer) values->data, values->len);
      return NULL;
    }

  record = g_malloc (sizeof (XapiRecord) + values->len * sizeof (FieldValue));
  record->info = info;
  record->extra = g_steal_pointer (&extra);
  record->partial = partial;
  record->n_values = values->len;
  if (values->len > 0)
    memcpy (record->values, values->data, values->len * sizeof (FieldValue));
  return record;
}

XapiRecord *
xapi_record_parse (const XapiClassInfo  *info,
                   XapiJsonReader       *reader,
                   GError              **error)
{
  return parse_record (info, reader, NULL, FALSE, error);
}

XapiRecord *
_xapi_record_parse_changed (const XapiClassInfo  *info,
                            XapiJsonReader       *reader,
                            guint64              *hashes,
                            gboolean              compare,
                            GError              **error)
{
  g_return_val_if_fail (info != NULL && hashes != NULL, NULL);
  return parse_record (info, reader, hashes, compare, error);
}

XapiRecord *
xapi_record_parse_node (const XapiClassInfo  *info,
                        JsonNode             *node,
                        GError              **error)
{
  g_autofree char *text = NULL;
  g_autoptr(XapiJsonReader) reader = NULL;
  gsize len = 0;

  g_return_val_if_fail (node != NULL, NULL);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE, "Expected a record object");
      return NULL;
    }
  text = xapi_json_to_string (node, &len);
  reader = xapi_json_reader_new (text, len);
  return xapi_record_parse (info, reader, error);
}

void
xapi_record_free (XapiRecord *record)
{
  if (record == NULL)
    return;
  if (record->info != NULL)
    clear_values (record->info, record->values, record->n_values);
  g_clear_pointer (&record->extra, g_array_unref);
  g_free (record);
}

gboolean
_xapi_record_is_partial (XapiRecord *record)
{
  return record->partial;
}

guint
xapi_record_get_n_values (XapiRecord *record)
{
  g_return_val_if_fail (record != NULL, 0);
  return record->n_values + (record->extra ? record->extra->len : 0);
}

/* ---- applying ------------------------------------------------------------------ */

static gboolean
record_has_extra (XapiRecord *record,
                  const char *name)
{
  for (guint i = 0; record->extra && i < record->extra->len; i++)
    if (strcmp (g_array_index (record->extra, ExtraValue, i).name, name) == 0)
      return TRUE;
  return FALSE;
}

static guint
apply (XapiObject *self,
       XapiRecord *record,
       gboolean    notify,
       gboolean    take)
{
  const XapiClassInfo *info = xapi_object_get_class_info (self);
  GHashTable *extra = xapi_object_get_extra_fields (self);
  guint changed = 0;

  if (record->info != info && record->n_values > 0)
    {
      g_critical ("Record of class %s applied to an object of class %s",
                  record->info ? record->info->wire_name : "(unknown)",
                  info ? info->wire_name : xapi_object_get_class_name (self));
      return 0;
    }

  if (notify)
    g_object_freeze_notify (G_OBJECT (self));

  for (guint i = 0; i < record->n_values; i++)
    {
      FieldValue *fv = &record->values[i];
      const XapiFieldInfo *f = &info->fields[fv->index];
      gpointer slot = G_STRUCT_MEMBER_P (self, f->offset);

      /* A known field now decoded: forget a stale raw copy of it. */
      if (extra && !record_has_extra (record, f->wire_name))
        g_hash_table_remove (extra, f->wire_name);
      if (value_equal (f->kind, slot, &fv->v))
        continue;
      _xapi_field_clear (slot, f->kind);
      if (take)
        value_store_take (f->kind, slot, &fv->v);
      else
        value_store_copy (f->kind, slot, &fv->v);
      changed++;
      if (notify)
        g_object_notify_by_pspec (G_OBJECT (self), _xapi_object_field_pspec (info, fv->index));
    }

  if (record->extra && record->extra->len)
    {
      extra = _xapi_object_ensure_extra (self);
      for (guint i = 0; i < record->extra->len; i++)
        {
          ExtraValue *e = &g_array_index (record->extra, ExtraValue, i);
          const char *old = g_hash_table_lookup (extra, e->name);
          int idx;

          if (g_strcmp0 (old, e->raw) == 0)
            continue;
          /* Fields the datamodel does not know have no property: count them.
           * A known field's raw text (unrecognised enum value...) notifies
           * that field's property. */
          idx = _xapi_class_info_field_index (info, e->name);
          if (take)
            g_hash_table_insert (extra, g_steal_pointer (&e->name), g_steal_pointer (&e->raw));
          else
            g_hash_table_insert (extra, g_strdup (e->name), g_strdup (e->raw));
          if (idx < 0)
            changed++;
          else if (notify)
            g_object_notify_by_pspec (G_OBJECT (self), _xapi_object_field_pspec (info, idx));
        }
    }

  if (notify)
    g_object_thaw_notify (G_OBJECT (self));
  return changed;
}

guint
xapi_object_apply_record (XapiObject *self,
                          XapiRecord *record)
{
  g_return_val_if_fail (XAPI_IS_OBJECT (self), 0);
  g_return_val_if_fail (record != NULL, 0);
  return apply (self, record, TRUE, FALSE);
}

guint
_xapi_object_apply_record_take (XapiObject *self,
                                XapiRecord *record)
{
  return apply (self, record, TRUE, TRUE);
}

static XapiObject *
instantiate (XapiRecord     *record,
             XapiConnection *connection,
             const char     *class_name,
             const char     *ref,
             gboolean        take)
{
  XapiObject *object;

  if (record->info)
    object = _xapi_object_new_identified (record->info->get_type (), connection, ref, NULL);
  else
    object = _xapi_object_new_identified (XAPI_TYPE_UNKNOWN_OBJECT, connection, ref, class_name);
  apply (object, record, FALSE, take);
  return object;
}

XapiObject *
xapi_record_instantiate (XapiRecord     *record,
                         XapiConnection *connection,
                         const char     *class_name,
                         const char     *ref)
{
  g_return_val_if_fail (record != NULL, NULL);
  return instantiate (record, connection, class_name, ref, FALSE);
}

XapiObject *
_xapi_record_instantiate_take (XapiRecord     *record,
                               XapiConnection *connection,
                               const char     *class_name,
                               const char     *ref)
{
  return instantiate (record, connection, class_name, ref, TRUE);
}
