/* sim-db.c: the generic object database with generations and relations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "sim.h"

char *
sim_new_ref (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  return g_strconcat ("OpaqueRef:", uuid, NULL);
}

static JsonNode *
node_dup (JsonNode *n)
{
  if (n == NULL)
    return NULL;
  switch (json_node_get_node_type (n))
    {
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (n);
        JsonNode *out = sv_empty_set ();
        JsonArray *b = json_node_get_array (out);
        for (guint i = 0; i < json_array_get_length (a); i++)
          json_array_add_element (b, node_dup (json_array_get_element (a, i)));
        return out;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter it;
        const char *k;
        JsonNode *v;
        JsonNode *out = sv_empty_map ();
        JsonObject *b = json_node_get_object (out);
        json_object_iter_init_ordered (&it, json_node_get_object (n));
        while (json_object_iter_next_ordered (&it, &k, &v))
          json_object_set_member (b, k, node_dup (v));
        return out;
      }
    default:
      {
        JsonNode *out = json_node_new (json_node_get_node_type (n));
        if (JSON_NODE_HOLDS_VALUE (n))
          {
            GType t = json_node_get_value_type (n);
            if (t == G_TYPE_STRING)
              json_node_set_string (out, json_node_get_string (n));
            else if (t == G_TYPE_INT64)
              json_node_set_int (out, json_node_get_int (n));
            else if (t == G_TYPE_DOUBLE)
              json_node_set_double (out, json_node_get_double (n));
            else if (t == G_TYPE_BOOLEAN)
              json_node_set_boolean (out, json_node_get_boolean (n));
          }
        return out;
      }
    }
}

static JsonNode *
mutable_value (SimRow *row,
               guint   idx)
{
  JsonNode *n = row->v[idx];

  if (n == NULL)
    {
      SimField *f = row->cls->fields->pdata[idx];
      n = row->v[idx] = sim_zero_value (f->type->kind == SIM_T_OPTION ? f->type->elem : f->type);
    }
  else if (json_node_is_immutable (n))
    {
      row->v[idx] = node_dup (n);
      json_node_unref (n);
      n = row->v[idx];
    }
  return n;
}

static void
bump (Sim    *sim,
      SimRow *row)
{
  row->modified = row->cls->max_modified = ++sim->gen;
  sim_db_changed (sim);
}

void
sim_db_touch (Sim    *sim,
              SimRow *row)
{
  bump (sim, row);
}

static void
rel_add (Sim        *sim,
         SimField   *f,
         const char *target_ref,
         const char *ref)
{
  SimRow *t;
  JsonNode *set;

  if (target_ref == NULL || strcmp (target_ref, "OpaqueRef:NULL") == 0)
    return;
  t = g_hash_table_lookup (f->rel_class->rows, target_ref);
  if (t == NULL)
    return;
  set = mutable_value (t, f->rel_field);
  json_array_add_string_element (json_node_get_array (set), ref);
  bump (sim, t);
}

static void
rel_remove (Sim        *sim,
            SimField   *f,
            const char *target_ref,
            const char *ref)
{
  SimRow *t;
  JsonArray *a;

  if (target_ref == NULL || strcmp (target_ref, "OpaqueRef:NULL") == 0)
    return;
  t = g_hash_table_lookup (f->rel_class->rows, target_ref);
  if (t == NULL)
    return;
  a = json_node_get_array (mutable_value (t, f->rel_field));
  for (guint i = json_array_get_length (a); i-- > 0;)
    if (g_strcmp0 (json_array_get_string_element (a, i), ref) == 0)
      {
        json_array_remove_element (a, i);
        break;
      }
  bump (sim, t);
}

SimRow *
sim_db_add (Sim        *sim,
            const char *cls_name,
            const char *ref)
{
  SimClass *cls = sim_model_class (sim->model, cls_name);
  SimRow *row;

  g_return_val_if_fail (cls != NULL, NULL);
  row = g_new0 (SimRow, 1);
  row->cls = cls;
  row->ref = ref ? g_strdup (ref) : sim_new_ref ();
  row->v = g_new0 (JsonNode *, cls->fields->len);
  for (guint i = 0; i < cls->fields->len; i++)
    {
      SimField *f = cls->fields->pdata[i];
      row->v[i] = f->def ? json_node_ref (f->def) : NULL;
    }
  if (cls->uuid >= 0)
    {
      json_node_unref (row->v[cls->uuid]);
      row->v[cls->uuid] = json_node_new (JSON_NODE_VALUE);
      {
        char *u = g_uuid_string_random ();
        json_node_set_string (row->v[cls->uuid], u);
        g_free (u);
      }
    }
  row->created = row->modified = cls->max_modified = ++sim->gen;
  row->patch_field = -1;
  g_hash_table_replace (cls->rows, row->ref, row);
  g_hash_table_replace (sim->all_rows, row->ref, row);
  sim_db_changed (sim);
  return row;
}

SimRow *
sim_db_get (Sim        *sim,
            SimClass   *cls,
            const char *ref)
{
  if (ref == NULL)
    return NULL;
  return g_hash_table_lookup (cls->rows, ref);
}

SimRow *
sim_db_find (Sim        *sim,
             const char *ref)
{
  if (ref == NULL)
    return NULL;
  return g_hash_table_lookup (sim->all_rows, ref);
}

void
sim_db_remove (Sim    *sim,
               SimRow *row)
{
  SimDeleted *d;
  SimClass *cls = row->cls;

  for (guint i = 0; i < cls->fields->len; i++)
    {
      SimField *f = cls->fields->pdata[i];
      if (f->has_rel && row->v[i])
        rel_remove (sim, f, json_node_get_string (row->v[i]), row->ref);
    }
  d = g_new0 (SimDeleted, 1);
  d->cls = cls;
  d->ref = g_strdup (row->ref);
  d->created = row->created;
  d->deleted = ++sim->gen;
  g_ptr_array_add (sim->deleted, d);
  g_hash_table_remove (sim->all_rows, row->ref);
  g_hash_table_remove (cls->rows, row->ref);   /* frees the row */
  sim_db_changed (sim);
}

/* Whether @value has the JSON shape xapi uses for @type. */
static gboolean
value_fits (SimType  *type,
            JsonNode *value)
{
  if (value == NULL || type == NULL)
    return TRUE;
  switch (type->kind)
    {
    case SIM_T_STRING:
    case SIM_T_DATETIME:
    case SIM_T_ENUM:
    case SIM_T_REF:
      return JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING;
    case SIM_T_BOOL:
      return JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN;
    case SIM_T_INT:
      return JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_INT64;
    case SIM_T_SET:
      return JSON_NODE_HOLDS_ARRAY (value);
    case SIM_T_MAP:
      return JSON_NODE_HOLDS_OBJECT (value);
    default:
      return TRUE;
    }
}

/* Whether @n is written without nested values (a cache patch is cheap). */
static gboolean
is_scalar (JsonNode *n)
{
  return n != NULL && json_node_get_node_type (n) == JSON_NODE_VALUE;
}

void
sim_row_set_field (Sim      *sim,
                   SimRow   *row,
                   SimField *f,
                   JsonNode *value)
{
  JsonNode *old = row->v[f->index];
  /* Can the serialised record be patched afterwards?  It must be valid now
   * (or valid but for this same field), and the field present before and
   * after (so its separator stays). */
  gboolean patch = !f->has_rel && is_scalar (old) && is_scalar (value) && row->cache != NULL
                   && (row->cache_gen == row->modified
                       || (row->patch_field == (gint32) f->index && row->patch_gen == row->modified));

  /* a simulator bug, not a client's: xapi never sends a field in another shape */
  if (!value_fits (f->type, value))
    g_warning ("%s.%s set to a value of the wrong type", row->cls->name, f->name);

  if (f->has_rel)
    {
      const char *o = old ? json_node_get_string (old) : NULL;
      const char *n = value ? json_node_get_string (value) : NULL;
      if (g_strcmp0 (o, n) != 0)
        {
          rel_remove (sim, f, o, row->ref);
          rel_add (sim, f, n, row->ref);
        }
    }
  row->v[f->index] = value;
  if (old)
    json_node_unref (old);
  bump (sim, row);
  if (patch && row->cache_offs == NULL)
    {
      /* the first time: written again in full, with the offsets from then on */
      row->cache_offs = g_new (guint32, row->cls->fields->len + 1);
      patch = FALSE;
    }
  row->patch_field = patch ? (gint32) f->index : -1;
  row->patch_gen = row->modified;
}

void
sim_row_set (Sim        *sim,
             SimRow     *row,
             const char *field,
             JsonNode   *value)
{
  SimField *f = sim_class_field (row->cls, field);

  if (f == NULL)
    {
      g_warning ("no field %s.%s", row->cls->name, field);
      if (value)
        json_node_unref (value);
      return;
    }
  sim_row_set_field (sim, row, f, value);
}

void
sim_row_set_str (Sim *sim, SimRow *row, const char *field, const char *value)
{
  sim_row_set (sim, row, field, sv_str (value));
}

void
sim_row_set_int (Sim *sim, SimRow *row, const char *field, gint64 value)
{
  sim_row_set (sim, row, field, sv_int (value));
}

void
sim_row_set_float (Sim *sim, SimRow *row, const char *field, double value)
{
  sim_row_set (sim, row, field, sv_float (value));
}

void
sim_row_set_bool (Sim *sim, SimRow *row, const char *field, gboolean value)
{
  sim_row_set (sim, row, field, sv_bool (value));
}

void
sim_row_set_ref (Sim *sim, SimRow *row, const char *field, SimRow *target)
{
  sim_row_set (sim, row, field, sv_str (target ? target->ref : "OpaqueRef:NULL"));
}

static SimField *
field_or_warn (SimRow     *row,
               const char *field)
{
  SimField *f = sim_class_field (row->cls, field);
  if (f == NULL)
    g_warning ("no field %s.%s", row->cls->name, field);
  return f;
}

void
sim_row_map_put (Sim *sim, SimRow *row, const char *field, const char *key, JsonNode *value)
{
  SimField *f = field_or_warn (row, field);
  if (f == NULL)
    {
      json_node_unref (value);
      return;
    }
  json_object_set_member (json_node_get_object (mutable_value (row, f->index)), key, value);
  bump (sim, row);
}

void
sim_row_map_put_str (Sim *sim, SimRow *row, const char *field, const char *key, const char *value)
{
  sim_row_map_put (sim, row, field, key, sv_str (value));
}

void
sim_row_map_remove (Sim *sim, SimRow *row, const char *field, const char *key)
{
  SimField *f = field_or_warn (row, field);
  JsonObject *o;

  if (f == NULL)
    return;
  o = json_node_get_object (mutable_value (row, f->index));
  if (json_object_has_member (o, key))
    {
      json_object_remove_member (o, key);
      bump (sim, row);
    }
}

static gboolean
node_equal (JsonNode *a,
            JsonNode *b)
{
  if (JSON_NODE_HOLDS_VALUE (a) && JSON_NODE_HOLDS_VALUE (b))
    return json_node_equal (a, b);
  return FALSE;
}

void
sim_row_set_add (Sim *sim, SimRow *row, const char *field, JsonNode *value)
{
  SimField *f = field_or_warn (row, field);
  JsonArray *a;

  if (f == NULL)
    {
      json_node_unref (value);
      return;
    }
  a = json_node_get_array (mutable_value (row, f->index));
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (node_equal (json_array_get_element (a, i), value))
      {
        json_node_unref (value);
        return;
      }
  json_array_add_element (a, value);
  bump (sim, row);
}

void
sim_row_set_add_str (Sim *sim, SimRow *row, const char *field, const char *value)
{
  sim_row_set_add (sim, row, field, sv_str (value));
}

void
sim_row_set_remove (Sim *sim, SimRow *row, const char *field, JsonNode *value)
{
  SimField *f = field_or_warn (row, field);
  JsonArray *a;

  if (f == NULL)
    return;
  a = json_node_get_array (mutable_value (row, f->index));
  for (guint i = json_array_get_length (a); i-- > 0;)
    if (node_equal (json_array_get_element (a, i), value))
      json_array_remove_element (a, i);
  bump (sim, row);
}

JsonNode *
sim_row_value (SimRow     *row,
               const char *field)
{
  SimField *f = sim_class_field (row->cls, field);
  return f ? row->v[f->index] : NULL;
}

const char *
sim_row_str (SimRow     *row,
             const char *field)
{
  JsonNode *n = sim_row_value (row, field);
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return "";
}

gint64
sim_row_int (SimRow     *row,
             const char *field)
{
  JsonNode *n = sim_row_value (row, field);
  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_int (n) : 0;
}

double
sim_row_float (SimRow     *row,
               const char *field)
{
  JsonNode *n = sim_row_value (row, field);
  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_double (n) : 0.0;
}

gboolean
sim_row_bool (SimRow     *row,
              const char *field)
{
  JsonNode *n = sim_row_value (row, field);
  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_boolean (n) : FALSE;
}

SimRow *
sim_row_deref (Sim        *sim,
               SimRow     *row,
               const char *field)
{
  return sim_db_find (sim, sim_row_str (row, field));
}

const char *
sim_row_map_get (SimRow     *row,
                 const char *field,
                 const char *key)
{
  JsonNode *n = sim_row_value (row, field);
  JsonNode *v;

  if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
    return NULL;
  v = json_object_get_member (json_node_get_object (n), key);
  if (v == NULL || !JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (v);
}

/* With @offs: offs[i] = where field i starts, relative to @start (its
 * comma if not the first; empty when the field is absent), offs[n] = the
 * closing brace. */
static void
write_record_uncached (GString *out,
                       SimRow  *row,
                       guint32 *offs,
                       gsize    start)
{
  SimClass *cls = row->cls;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  for (guint i = 0; i < cls->fields->len; i++)
    {
      SimField *f = cls->fields->pdata[i];
      if (offs)
        offs[i] = (guint32) (out->len - start);
      if (row->v[i] == NULL)
        continue;
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      sim_write_string (out, f->name);
      g_string_append_c (out, ':');
      sim_write_node (out, row->v[i]);
    }
  if (offs)
    offs[cls->fields->len] = (guint32) (out->len - start);
  g_string_append_c (out, '}');
}

/* XAPI_SIM_CHECK_PATCHES=1: compare every patched record with the record
 * written in full (the tests run so). */
static gboolean
check_patches (void)
{
  static int check = -1;

  if (check < 0)
    check = g_strcmp0 (g_getenv ("XAPI_SIM_CHECK_PATCHES"), "1") == 0;
  return check;
}

/* The cache is valid but for field @p: write the record with the field's
 * new value, and keep that as the cache. */
static void
write_record_patched (GString *out,
                      SimRow  *row,
                      guint    p)
{
  SimField *f = row->cls->fields->pdata[p];
  guint n = row->cls->fields->len;
  guint32 *offs = row->cache_offs;
  gsize start = out->len;
  guint32 old_len = offs[p + 1] - offs[p];
  gint64 delta;

  g_string_append_len (out, row->cache, offs[p]);
  if (row->cache[offs[p]] == ',')
    g_string_append_c (out, ',');
  sim_write_string (out, f->name);
  g_string_append_c (out, ':');
  sim_write_node (out, row->v[p]);
  delta = (gint64) (out->len - start - offs[p]) - old_len;
  g_string_append_len (out, row->cache + offs[p + 1], row->cache_len - offs[p + 1]);
  for (guint i = p + 1; i <= n; i++)
    offs[i] = (guint32) (offs[i] + delta);
  g_free (row->cache);
  row->cache = g_memdup2 (out->str + start, out->len - start);
  row->cache_len = (guint32) (out->len - start);
  row->cache_gen = row->modified;
  row->patch_field = -1;
}

void
sim_write_record (GString *out,
                  SimRow  *row)
{
  if (row->cache != NULL && row->cache_gen == row->modified)
    {
      g_string_append_len (out, row->cache, row->cache_len);
      return;
    }
  if (row->cache != NULL && row->cache_offs != NULL && row->patch_field >= 0 && row->patch_gen == row->modified)
    {
      write_record_patched (out, row, (guint) row->patch_field);
      if (G_UNLIKELY (check_patches ()))
        {
          GString *full = g_string_new (NULL);
          write_record_uncached (full, row, NULL, 0);
          if (full->len != row->cache_len || memcmp (full->str, row->cache, full->len) != 0)
            g_error ("patched record of %s %s differs:\n%s\n%.*s", row->cls->name, row->ref, full->str,
                     (int) row->cache_len, row->cache);
          g_string_free (full, TRUE);
        }
      return;
    }
  {
    gsize start = out->len;
    write_record_uncached (out, row, row->cache_offs, start);
    g_free (row->cache);
    row->cache = g_memdup2 (out->str + start, out->len - start);
    row->cache_len = (guint32) (out->len - start);
    row->cache_gen = row->modified;
    row->patch_field = -1;
  }
}

void
sim_db_prewarm (Sim *sim)
{
  GString *scratch = g_string_sized_new (8192);
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, sim->all_rows);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      g_string_truncate (scratch, 0);
      sim_write_record (scratch, v);
    }
  g_string_free (scratch, TRUE);
}

SimRow *
sim_db_copy_row (Sim    *sim,
                 SimRow *src)
{
  SimRow *row = sim_db_add (sim, src->cls->name, NULL);
  SimClass *cls = src->cls;

  for (guint i = 0; i < cls->fields->len; i++)
    {
      SimField *f = cls->fields->pdata[i];
      if ((gint) i == cls->uuid || f->is_reverse || src->v[i] == NULL)
        continue;
      if (f->has_rel)
        sim_row_set_field (sim, row, f, node_dup (src->v[i]));
      else
        {
          if (row->v[i])
            json_node_unref (row->v[i]);
          row->v[i] = json_node_is_immutable (src->v[i]) ? json_node_ref (src->v[i]) : node_dup (src->v[i]);
        }
    }
  bump (sim, row);
  return row;
}

GPtrArray *
sim_rows_array (SimClass *cls)
{
  GPtrArray *a = g_ptr_array_sized_new (g_hash_table_size (cls->rows));
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, cls->rows);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_ptr_array_add (a, v);
  return a;
}
