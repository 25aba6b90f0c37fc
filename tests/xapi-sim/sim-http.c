/* sim-http.c: HTTP side channels (/rrd_updates, /export, /import of XVAs)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <zstd.h>

#include "sim.h"

/* ---------------------------------------------------------------- helpers */

/* Every value of a repeatable query parameter. */
static GPtrArray *
query_all (SoupServerMessage *msg,
           const char        *name)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *q = g_uri_get_query (uri);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = q ? g_strsplit (q, "&", -1) : NULL;

  for (guint i = 0; parts && parts[i]; i++)
    {
      char *eq = strchr (parts[i], '=');
      g_autofree char *k = NULL;
      if (eq == NULL)
        {
          if (strcmp (parts[i], name) == 0)
            g_ptr_array_add (out, g_strdup (""));
          continue;
        }
      k = g_uri_unescape_segment (parts[i], eq, NULL);
      if (k && strcmp (k, name) == 0)
        g_ptr_array_add (out, g_uri_unescape_string (eq + 1, NULL));
    }
  return out;
}

static char *
query_one (SoupServerMessage *msg,
           const char        *name)
{
  g_autoptr(GPtrArray) all = query_all (msg, name);
  return all->len ? g_strdup (all->pdata[all->len - 1]) : NULL;
}

static char *
cookie_value (SoupServerMessage *msg,
              const char        *name)
{
  const char *c = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Cookie");
  g_auto(GStrv) parts = c ? g_strsplit (c, ";", -1) : NULL;

  for (guint i = 0; parts && parts[i]; i++)
    {
      char *p = g_strstrip (parts[i]);
      if (g_str_has_prefix (p, name) && p[strlen (name)] == '=')
        return g_strdup (p + strlen (name) + 1);
    }
  return NULL;
}

/* session_id from the cookie or the query, or Basic auth; NULL and a 401
 * reply when missing. */
static SimRow *
http_session (Sim               *sim,
              SoupServerMessage *msg)
{
  g_autofree char *sid = cookie_value (msg, "session_id");
  SimRow *s;

  if (sid == NULL)
    sid = query_one (msg, "session_id");
  s = sid ? sim_session_get (sim, sid) : NULL;
  if (s == NULL)
    {
      const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
      if (auth && g_str_has_prefix (auth, "Basic "))
        {
          gsize len;
          g_autofree guchar *dec = g_base64_decode (auth + 6, &len);
          g_autofree char *up = g_strndup ((char *) dec, len);
          char *colon = strchr (up, ':');
          if (colon)
            {
              *colon = '\0';
              if (strcmp (up, sim->user) == 0 && (sim->password == NULL || strcmp (colon + 1, sim->password) == 0))
                {
                  s = sim_db_add (sim, "session", NULL);
                  sim_row_set_bool (sim, s, "is_local_superuser", TRUE);
                  sim_row_set_str (sim, s, "auth_user_name", up);
                }
            }
        }
    }
  if (s == NULL)
    {
      soup_server_message_set_status (msg, 401, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "WWW-Authenticate",
                                    "Basic realm=\"xapi\"");
    }
  return s;
}

static SimRow *
task_for (Sim               *sim,
          SoupServerMessage *msg,
          const char        *label,
          int                host)
{
  g_autofree char *tid = query_one (msg, "task_id");
  SimRow *t = NULL;

  if (tid == NULL)
    tid = cookie_value (msg, "task_id");
  if (tid)
    t = sim_db_get (sim, sim_model_class (sim->model, "task"), tid);
  if (t == NULL)
    t = sim_task_new (sim, label, host);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "task-id", t->ref);
  return t;
}

static SimRow *
vm_of_query (Sim               *sim,
             SoupServerMessage *msg)
{
  g_autofree char *ref = query_one (msg, "ref");
  g_autofree char *uuid = query_one (msg, "uuid");
  SimClass *vms = sim_model_class (sim->model, "VM");

  if (ref)
    return sim_db_get (sim, vms, ref);
  if (uuid)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, vms->rows);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (strcmp (sim_row_str (v, "uuid"), uuid) == 0)
          return v;
    }
  return NULL;
}

/* ---------------------------------------------------------------- rrd */

static double
series (const char *uuid,
        const char *ds,
        gint64      t,
        double      base,
        double      amp)
{
  guint h = g_str_hash (uuid) ^ (g_str_hash (ds) * 31);
  double phase = (h % 1000) / 1000.0 * 6.283;
  return base + amp * (0.5 + 0.5 * sin (t / 300.0 + phase)) * (0.8 + 0.2 * ((h >> 10) % 100) / 100.0);
}

typedef struct {
  char   *legend;
  char   *uuid;
  char   *ds;
  double  base, amp;
} Column;

static void
column_free (gpointer p)
{
  Column *c = p;
  g_free (c->legend);
  g_free (c->uuid);
  g_free (c->ds);
  g_free (c);
}

static void
add_col (GPtrArray  *cols,
         const char *cf,
         const char *kind,
         const char *uuid,
         const char *ds,
         double      base,
         double      amp)
{
  Column *c = g_new0 (Column, 1);
  c->legend = g_strdup_printf ("%s:%s:%s:%s", cf, kind, uuid, ds);
  c->uuid = g_strdup (uuid);
  c->ds = g_strdup (ds);
  c->base = base;
  c->amp = amp;
  g_ptr_array_add (cols, c);
}

static void
append_value (GString *out,
              double   v)
{
  char buf[64];
  if (v == 0.0)
    g_string_append (out, "0.0");
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%0.15g", v));
}

static void
handle_rrd_updates (Sim               *sim,
                    SoupServerMessage *msg,
                    int                host_index)
{
  g_autofree char *start_s = query_one (msg, "start");
  g_autofree char *cf_s = query_one (msg, "cf");
  g_autofree char *interval_s = query_one (msg, "interval");
  g_autofree char *host_s = query_one (msg, "host");
  g_autofree char *json_s = query_one (msg, "json");
  g_autoptr(GPtrArray) vm_uuids = query_all (msg, "vm_uuid");
  g_autoptr(GPtrArray) cols = g_ptr_array_new_with_free_func (column_free);
  const char *accept = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Accept");
  SimRow *host = sim->hosts->pdata[host_index];
  const char *cf = cf_s && (!strcmp (cf_s, "AVERAGE") || !strcmp (cf_s, "MIN") || !strcmp (cf_s, "MAX")
                            || !strcmp (cf_s, "LAST")) ? cf_s : "AVERAGE";
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 start, step, end, rows;
  gboolean json;
  GString *out;

  if (http_session (sim, msg) == NULL)
    return;
  if (start_s == NULL)
    {
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  start = g_ascii_strtoll (start_s, NULL, 10);
  if (start < 0)
    start = now + start;
  step = interval_s && g_ascii_strtoll (interval_s, NULL, 10) >= 60 ? 60 : 5;
  end = now - now % step;
  rows = CLAMP ((end - start) / step, 1, 120);
  json = accept ? (strstr (accept, "application/json") != NULL || strstr (accept, "*/*") != NULL)
                  && strstr (accept, "text/xml") == NULL
                : json_s != NULL;

  if (host_s && strcmp (host_s, "true") == 0)
    {
      const char *hu = sim_row_str (host, "uuid");
      JsonArray *cpus = json_node_get_array (sim_row_value (host, "host_CPUs"));
      SimRow *m = sim_row_deref (sim, host, "metrics");
      double total = m ? sim_row_int (m, "memory_total") / 1024.0 : 0;
      for (guint i = 0; i < MIN (json_array_get_length (cpus), 8u); i++)
        {
          g_autofree char *ds = g_strdup_printf ("cpu%u", i);
          add_col (cols, cf, "host", hu, ds, 0.02, 0.3);
        }
      add_col (cols, cf, "host", hu, "cpu_avg", 0.05, 0.25);
      add_col (cols, cf, "host", hu, "memory_total_kib", total, 0);
      add_col (cols, cf, "host", hu, "memory_free_kib", total * 0.4, total * 0.2);
      add_col (cols, cf, "host", hu, "loadavg", 0.2, 1.5);
      add_col (cols, cf, "host", hu, "pif_eth0_rx", 1e4, 5e6);
      add_col (cols, cf, "host", hu, "pif_eth0_tx", 1e4, 2e6);
    }
  {
    JsonArray *res = json_node_get_array (sim_row_value (host, "resident_VMs"));
    for (guint i = 0; i < json_array_get_length (res); i++)
      {
        SimRow *vm = sim_db_find (sim, json_array_get_string_element (res, i));
        const char *vu;
        if (vm == NULL || (vm_uuids->len == 0 && sim_row_bool (vm, "is_control_domain")))
          continue;
        vu = sim_row_str (vm, "uuid");
        if (vm_uuids->len && !g_ptr_array_find_with_equal_func (vm_uuids, vu, g_str_equal, NULL))
          continue;
        for (gint64 c = 0; c < MIN (sim_row_int (vm, "VCPUs_at_startup"), 8); c++)
          {
            g_autofree char *ds = g_strdup_printf ("cpu%" G_GINT64_FORMAT, c);
            add_col (cols, cf, "vm", vu, ds, 0.01, 0.6);
          }
        add_col (cols, cf, "vm", vu, "memory", (double) sim_row_int (vm, "memory_dynamic_max"), 0);
        add_col (cols, cf, "vm", vu, "memory_internal_free", sim_row_int (vm, "memory_dynamic_max") / 1024.0 * 0.3,
                 sim_row_int (vm, "memory_dynamic_max") / 1024.0 * 0.2);
        add_col (cols, cf, "vm", vu, "vif_0_rx", 100, 2e5);
        add_col (cols, cf, "vm", vu, "vif_0_tx", 100, 1e5);
        add_col (cols, cf, "vm", vu, "vbd_xvda_read", 0, 4e6);
        add_col (cols, cf, "vm", vu, "vbd_xvda_write", 0, 2e6);
      }
  }

  out = g_string_sized_new (4096);
  if (json)
    {
      g_string_append_printf (out, "{\"meta\":{\"start\":\"%" G_GINT64_FORMAT "\",\"step\":\"%" G_GINT64_FORMAT
                              "\",\"end\":\"%" G_GINT64_FORMAT "\",\"rows\":\"%" G_GINT64_FORMAT
                              "\",\"columns\":\"%u\",\"legend\":[", end - (rows - 1) * step, step, end, rows, cols->len);
      for (guint i = 0; i < cols->len; i++)
        {
          if (i)
            g_string_append_c (out, ',');
          sim_write_string (out, ((Column *) cols->pdata[i])->legend);
        }
      g_string_append (out, "]},\"data\":[");
      for (gint64 r = 0; r < rows; r++)
        {
          gint64 t = end - r * step;
          g_string_append_printf (out, "%s{\"t\":\"%" G_GINT64_FORMAT "\",\"values\":[", r ? "," : "", t);
          for (guint i = 0; i < cols->len; i++)
            {
              Column *c = cols->pdata[i];
              g_string_append (out, i ? ",\"" : "\"");
              append_value (out, series (c->uuid, c->ds, t, c->base, c->amp));
              g_string_append_c (out, '"');
            }
          g_string_append (out, "]}");
        }
      g_string_append (out, "]}");
    }
  else
    {
      g_string_append_printf (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xport><meta><start>%" G_GINT64_FORMAT
                              "</start><step>%" G_GINT64_FORMAT "</step><end>%" G_GINT64_FORMAT "</end><rows>%"
                              G_GINT64_FORMAT "</rows><columns>%u</columns><legend>",
                              end - (rows - 1) * step, step, end, rows, cols->len);
      for (guint i = 0; i < cols->len; i++)
        g_string_append_printf (out, "<entry>%s</entry>", ((Column *) cols->pdata[i])->legend);
      g_string_append (out, "</legend></meta><data>");
      for (gint64 r = 0; r < rows; r++)
        {
          gint64 t = end - r * step;   /* newest first */
          g_string_append_printf (out, "<row><t>%" G_GINT64_FORMAT "</t>", t);
          for (guint i = 0; i < cols->len; i++)
            {
              Column *c = cols->pdata[i];
              g_string_append (out, "<v>");
              append_value (out, series (c->uuid, c->ds, t, c->base, c->amp));
              g_string_append (out, "</v>");
            }
          g_string_append (out, "</row>");
        }
      g_string_append (out, "</data></xport>");
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Access-Control-Allow-Origin", "*");
  {
    gsize len = out->len;
    soup_server_message_set_response (msg, json ? "application/json" : "text/xml", SOUP_MEMORY_TAKE,
                                      g_string_free (out, FALSE), len);
  }
}

/* ---------------------------------------------------------------- export/import
 *
 * XVA as xapi writes it (export.ml, stream_vdi.ml): a tar whose first
 * member is ova.xml (XML-RPC: version + objects, each {class, id, snapshot}
 * with the references renamed to "Ref:N" ids), then per disk 1 MiB chunks
 * "Ref:N/%08d" each followed by its checksum file "Ref:N/%08d.checksum"
 * (SHA-1 in hex; current xapi writes ".xxhash", both are read).  Empty
 * chunks are skipped except the first and the last.  The disks of the
 * simulator have no content: the first chunk starts with a deterministic
 * pattern, the rest is zeros. */

#define XVA_CHUNK (1024 * 1024)

static void
tar_add (GString    *tar,
         const char *name,
         const char *data,
         gsize       len)
{
  char hdr[512];
  guint sum = 0;

  memset (hdr, 0, sizeof hdr);
  g_strlcpy (hdr, name, 100);
  snprintf (hdr + 100, 8, "%07o", 0644);
  snprintf (hdr + 108, 8, "%07o", 0);
  snprintf (hdr + 116, 8, "%07o", 0);
  snprintf (hdr + 124, 12, "%011lo", (unsigned long) len);
  snprintf (hdr + 136, 12, "%011lo", (unsigned long) (g_get_real_time () / G_USEC_PER_SEC));
  memset (hdr + 148, ' ', 8);
  hdr[156] = '0';
  memcpy (hdr + 257, "ustar", 6);
  memcpy (hdr + 263, "00", 2);
  for (guint i = 0; i < 512; i++)
    sum += (guchar) hdr[i];
  snprintf (hdr + 148, 8, "%06o", sum);
  hdr[155] = ' ';
  g_string_append_len (tar, hdr, 512);
  g_string_append_len (tar, data, len);
  if (len % 512)
    {
      char zero[512] = { 0 };
      g_string_append_len (tar, zero, 512 - len % 512);
    }
}

static void
tar_add_chunk (GString    *tar,
               const char *prefix,
               guint       n,
               const char *data,
               gsize       len)
{
  g_autofree char *name = g_strdup_printf ("%s/%08u", prefix, n);
  g_autofree char *cname = g_strconcat (name, ".checksum", NULL);
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) data, len);

  tar_add (tar, name, data, len);
  tar_add (tar, cname, sum, strlen (sum));
}

static JsonNode *
record_node (SimRow *row)
{
  GString *s = g_string_new (NULL);
  g_autoptr(JsonParser) p = json_parser_new ();
  JsonNode *n = NULL;

  sim_write_record (s, row);
  if (json_parser_load_from_data (p, s->str, s->len, NULL))
    n = json_node_copy (json_parser_get_root (p));
  g_string_free (s, TRUE);
  return n;
}

/* Replaces every "OpaqueRef:…" in @node by its export id, or OpaqueRef:NULL
 * when the object is not exported (export.ml lookup_table). */
static JsonNode *
rename_refs (JsonNode   *node,
             GHashTable *ids)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *in = json_node_get_object (node);
      JsonNode *out = sv_empty_map ();
      JsonObjectIter it;
      const char *k;
      JsonNode *v;

      json_object_iter_init_ordered (&it, in);
      while (json_object_iter_next_ordered (&it, &k, &v))
        {
          const char *key = k;
          if (g_str_has_prefix (k, "OpaqueRef:") && g_hash_table_lookup (ids, k))
            key = g_hash_table_lookup (ids, k);
          json_object_set_member (json_node_get_object (out), key, rename_refs (v, ids));
        }
      return out;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *in = json_node_get_array (node);
      JsonNode *out = sv_empty_set ();
      for (guint i = 0; i < json_array_get_length (in); i++)
        {
          JsonNode *e = json_array_get_element (in, i);
          const char *s = JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING
                          ? json_node_get_string (e) : NULL;
          /* sets of references: drop the ones that are not exported */
          if (s && g_str_has_prefix (s, "OpaqueRef:") && g_hash_table_lookup (ids, s) == NULL)
            continue;
          json_array_add_element (json_node_get_array (out), rename_refs (e, ids));
        }
      return out;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
      && g_str_has_prefix (json_node_get_string (node), "OpaqueRef:"))
    {
      const char *id = g_hash_table_lookup (ids, json_node_get_string (node));
      return sv_str (id ? id : "OpaqueRef:NULL");
    }
  return json_node_copy (node);
}

/* The uncompressed XVA of @vm. */
static GString *
build_xva (Sim    *sim,
           SimRow *vm,
           guint  *n_disks)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) disks = g_ptr_array_new ();   /* VDIs whose content is streamed */
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  JsonArray *vbds = json_node_get_array (sim_row_value (vm, "VBDs"));
  JsonArray *vifs = json_node_get_array (sim_row_value (vm, "VIFs"));
  JsonNode *objects = sv_empty_set ();
  GString *ova, *tar;

#define TABLE_ADD(r) G_STMT_START { SimRow *r_ = (r); \
    if (r_ && !g_hash_table_contains (ids, r_->ref)) { \
      g_hash_table_insert (ids, r_->ref, g_strdup_printf ("Ref:%u", rows->len)); \
      g_ptr_array_add (rows, r_); } } G_STMT_END

  TABLE_ADD (vm);
  for (guint i = 0; i < json_array_get_length (vbds); i++)
    {
      SimRow *vbd = sim_db_find (sim, json_array_get_string_element (vbds, i));
      SimRow *vdi = vbd ? sim_row_deref (sim, vbd, "VDI") : NULL;
      SimRow *sr = vdi ? sim_row_deref (sim, vdi, "SR") : NULL;

      TABLE_ADD (vbd);
      /* CD images stay behind: only the VBD is described */
      if (vdi && strcmp (sim_row_str (vbd, "type"), "CD") != 0
          && !(sr && strcmp (sim_row_str (sr, "content_type"), "iso") == 0))
        {
          TABLE_ADD (vdi);
          TABLE_ADD (sr);
          g_ptr_array_add (disks, vdi);
        }
    }
  for (guint i = 0; i < json_array_get_length (vifs); i++)
    {
      SimRow *vif = sim_db_find (sim, json_array_get_string_element (vifs, i));
      TABLE_ADD (vif);
      if (vif)
        TABLE_ADD (sim_row_deref (sim, vif, "network"));
    }
#undef TABLE_ADD

  for (guint i = 0; i < rows->len; i++)
    {
      SimRow *r = rows->pdata[i];
      JsonNode *o = sv_empty_map ();
      g_autoptr(JsonNode) rec = record_node (r);

      json_object_set_string_member (json_node_get_object (o), "class", r->cls->name);
      json_object_set_string_member (json_node_get_object (o), "id", g_hash_table_lookup (ids, r->ref));
      json_object_set_member (json_node_get_object (o), "snapshot", rename_refs (rec, ids));
      if (r == vm)
        {
          /* exported VMs are halted (preserve_power_state=false) */
          JsonObject *snap = json_object_get_object_member (json_node_get_object (o), "snapshot");
          json_object_set_string_member (snap, "power_state", "Halted");
        }
      json_array_add_element (json_node_get_array (objects), o);
    }

  ova = g_string_new ("<value><struct><member><name>version</name><value><struct>"
                      "<member><name>hostname</name><value>");
  g_string_append (ova, sim_row_str (sim_master (sim), "hostname"));
  g_string_append (ova, "</value></member>"
                   "<member><name>date</name><value>2026-01-01</value></member>"
                   "<member><name>product_version</name><value>8.3.0</value></member>"
                   "<member><name>product_brand</name><value>XCP-ng</value></member>"
                   "<member><name>build_number</name><value>xapi-sim</value></member>"
                   "<member><name>xapi_major</name><value><i4>1</i4></value></member>"
                   "<member><name>xapi_minor</name><value><i4>20</i4></value></member>"
                   "<member><name>export_vsn</name><value><i4>2</i4></value></member>"
                   "</struct></value></member><member><name>objects</name>");
  sim_write_xmlrpc (ova, objects);
  g_string_append (ova, "</member></struct></value>");
  json_node_unref (objects);

  tar = g_string_new (NULL);
  tar_add (tar, "ova.xml", ova->str, ova->len);
  g_string_free (ova, TRUE);

  for (guint d = 0; d < disks->len; d++)
    {
      SimRow *vdi = disks->pdata[d];
      gint64 size = MAX (sim_row_int (vdi, "virtual_size"), 1);
      guint last = (guint) ((size - 1) / XVA_CHUNK);
      gsize last_len = (gsize) (size - (gint64) last * XVA_CHUNK);
      const char *prefix = g_hash_table_lookup (ids, vdi->ref);
      g_autofree char *chunk = g_malloc0 (XVA_CHUNK);
      const char *uuid = sim_row_str (vdi, "uuid");

      /* a deterministic "boot sector", then zeros */
      for (gsize i = 0; i < 64 * 1024; i++)
        chunk[i] = (char) (uuid[i % strlen (uuid)] ^ (i >> 8));
      g_snprintf (chunk, 64, "xapi-sim disk %s", uuid);
      tar_add_chunk (tar, prefix, 0, chunk, last == 0 ? last_len : XVA_CHUNK);
      if (last > 0)
        {
          memset (chunk, 0, XVA_CHUNK);
          tar_add_chunk (tar, prefix, last, chunk, last_len);
        }
    }
  {
    char zero[1024] = { 0 };
    g_string_append_len (tar, zero, sizeof zero);
  }
  *n_disks = disks->len;
  return tar;
}

static GBytes *
gzip_bytes (const char *data,
            gsize       len)
{
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  GByteArray *out = g_byte_array_new ();
  gsize in_off = 0;
  guchar buf[65536];

  for (;;)
    {
      gsize r = 0, w = 0;
      GConverterResult res = g_converter_convert (G_CONVERTER (z), data + in_off, len - in_off, buf, sizeof buf,
                                                  G_CONVERTER_INPUT_AT_END, &r, &w, NULL);
      in_off += r;
      g_byte_array_append (out, buf, w);
      if (res == G_CONVERTER_FINISHED || res == G_CONVERTER_ERROR)
        break;
    }
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
zstd_bytes (const char *data,
            gsize       len)
{
  size_t cap = ZSTD_compressBound (len);
  char *out = g_malloc (cap);
  size_t n = ZSTD_compress (out, cap, data, len, 3);

  if (ZSTD_isError (n))
    n = 0;
  return g_bytes_new_take (out, n);
}

/* Decompresses a gzip or zstd body (import.ml with_open_archive: zstd by
 * its magic, else gzip, else a plain tar); NULL when it is damaged. */
static GBytes *
maybe_decompress (const guchar *data,
                  gsize         len)
{
  if (len >= 4 && data[0] == 0x28 && data[1] == 0xb5 && data[2] == 0x2f && data[3] == 0xfd)
    {
      ZSTD_DStream *ds = ZSTD_createDStream ();
      GByteArray *out = g_byte_array_new ();
      ZSTD_inBuffer in = { data, len, 0 };
      guchar buf[65536];
      size_t ret = 1;

      ZSTD_initDStream (ds);
      while (in.pos < in.size)
        {
          ZSTD_outBuffer ob = { buf, sizeof buf, 0 };
          ret = ZSTD_decompressStream (ds, &ob, &in);
          if (ZSTD_isError (ret))
            break;
          g_byte_array_append (out, buf, ob.pos);
        }
      ZSTD_freeDStream (ds);
      if (ZSTD_isError (ret) || ret != 0)
        {
          g_byte_array_unref (out);
          return NULL;
        }
      return g_byte_array_free_to_bytes (out);
    }
  if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b)
    {
      g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
      GByteArray *out = g_byte_array_new ();
      gsize in_off = 0;
      guchar buf[65536];

      for (;;)
        {
          gsize r = 0, w = 0;
          GConverterResult res = g_converter_convert (G_CONVERTER (z), data + in_off, len - in_off, buf, sizeof buf,
                                                      G_CONVERTER_INPUT_AT_END, &r, &w, NULL);
          in_off += r;
          g_byte_array_append (out, buf, w);
          if (res == G_CONVERTER_FINISHED)
            return g_byte_array_free_to_bytes (out);
          if (res == G_CONVERTER_ERROR || (r == 0 && w == 0))
            {
              g_byte_array_unref (out);
              return NULL;
            }
        }
    }
  return g_bytes_new (data, len);
}

static SimFailNext *
take_http_fault (Sim        *sim,
                 const char *label)
{
  for (guint i = 0; i < sim->fail_next->len; i++)
    {
      SimFailNext *f = sim->fail_next->pdata[i];
      if (strcmp (f->method, label) == 0 && f->count != 0)
        {
          if (f->count > 0)
            f->count--;
          return f;
        }
    }
  return NULL;
}

/* A transfer is registered as an operation of its task so that
 * task.cancel is accepted; the flag is polled by the transfer. */
static void
op_cancel_noop (SimOp *op)
{
}

static void
transfer_op_register (Sim        *sim,
                      SimRow     *task,
                      const char *name)
{
  SimOp *op = g_new0 (SimOp, 1);

  op->opname = g_strdup (name);
  op->cancel = op_cancel_noop;
  op->started = g_get_monotonic_time ();
  g_hash_table_replace (sim->ops, g_strdup (task->ref), op);
  sim_row_set (sim, task, "allowed_operations", sv_strset ("cancel", NULL));
}

static gboolean
transfer_op_cancelled (Sim        *sim,
                       const char *task_ref)
{
  SimOp *op = g_hash_table_lookup (sim->ops, task_ref);
  return op != NULL && op->call == NULL && op->cancelled;
}

static void
transfer_op_unregister (Sim        *sim,
                        const char *task_ref)
{
  SimOp *op = g_hash_table_lookup (sim->ops, task_ref);
  if (op != NULL && op->call == NULL)
    g_hash_table_remove (sim->ops, task_ref);
}

static void
html_error (SoupServerMessage *msg,
            guint              status,
            const char        *text)
{
  g_autofree char *body = g_strdup_printf ("<html><body><h1>HTTP %u %s</h1></body></html>", status, text);
  gsize len = strlen (body);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_TAKE, g_steal_pointer (&body), len);
}

static void
fail_task_ref (Sim        *sim,
               const char *task_ref,
               GStrv       error)
{
  SimRow *task = sim_db_find (sim, task_ref);

  if (task && strcmp (sim_row_str (task, "status"), "pending") == 0)
    sim_task_fail (sim, task, error);
}

typedef struct {
  Sim               *sim;
  SoupServerMessage *msg;
  char              *task_ref;
  char              *vm_ref;
  GBytes            *data;
  gsize              sent;
  gsize              slice;
  gsize              cut_at;      /* fault: the stream stops here (0: none) */
  GStrv              fault;
  guint              timer;
  gboolean           done;
} Export;

static void
export_free (Export *e)
{
  g_clear_handle_id (&e->timer, g_source_remove);
  g_signal_handlers_disconnect_by_data (e->msg, e);
  g_object_unref (e->msg);
  g_bytes_unref (e->data);
  g_strfreev (e->fault);
  g_free (e->task_ref);
  g_free (e->vm_ref);
  g_free (e);
}

static void
export_unlock (Export *e)
{
  SimRow *vm = sim_db_find (e->sim, e->vm_ref);

  transfer_op_unregister (e->sim, e->task_ref);
  if (vm)
    {
      sim_row_map_remove (e->sim, vm, "current_operations", e->task_ref);
      sim_vm_update_allowed (e->sim, vm);
    }
}

/* Ends the stream (EOF, as xapi closes the connection), successfully or
 * with @error on the task. */
static void
export_end (Export *e,
            GStrv   error)
{
  SimRow *task = sim_db_find (e->sim, e->task_ref);

  e->done = TRUE;
  g_clear_handle_id (&e->timer, g_source_remove);
  export_unlock (e);
  if (error)
    fail_task_ref (e->sim, e->task_ref, error);
  else if (task && strcmp (sim_row_str (task, "status"), "pending") == 0)
    {
      sim_task_complete (e->sim, task, NULL);
      sim_row_set_str (e->sim, task, "result", "");
    }
  soup_message_body_complete (soup_server_message_get_response_body (e->msg));
  soup_server_message_unpause (e->msg);
}

static gboolean
export_tick (gpointer data)
{
  Export *e = data;
  gsize len = g_bytes_get_size (e->data);
  gsize n = MIN (e->slice, len - e->sent);
  SimRow *task = sim_db_find (e->sim, e->task_ref);

  if (task == NULL)   /* the toolstack restarted */
    {
      e->timer = 0;
      export_end (e, NULL);
      return G_SOURCE_REMOVE;
    }
  if (transfer_op_cancelled (e->sim, e->task_ref))
    {
      GStrv err = sim_error ("TASK_CANCELLED", e->task_ref, NULL);
      e->timer = 0;
      export_end (e, err);
      g_strfreev (err);
      return G_SOURCE_REMOVE;
    }
  if (e->cut_at && e->sent + n >= e->cut_at)
    n = e->cut_at - e->sent;
  soup_message_body_append (soup_server_message_get_response_body (e->msg), SOUP_MEMORY_COPY,
                            (const char *) g_bytes_get_data (e->data, NULL) + e->sent, n);
  e->sent += n;
  sim_row_set_float (e->sim, task, "progress", MIN ((double) e->sent / len, 0.99));
  if (e->cut_at && e->sent >= e->cut_at)
    {
      e->timer = 0;
      export_end (e, e->fault);
      return G_SOURCE_REMOVE;
    }
  if (e->sent >= len)
    {
      e->timer = 0;
      export_end (e, NULL);
      return G_SOURCE_REMOVE;
    }
  soup_server_message_unpause (e->msg);
  return G_SOURCE_CONTINUE;
}

/* The client went away (or the message is done). */
static void
export_finished (SoupServerMessage *msg,
                 Export            *e)
{
  if (!e->done)
    {
      GStrv err = sim_error ("CLIENT_ERROR", "the client closed the connection", NULL);
      e->done = TRUE;
      g_clear_handle_id (&e->timer, g_source_remove);
      export_unlock (e);
      fail_task_ref (e->sim, e->task_ref, err);
      g_strfreev (err);
    }
  export_free (e);
}

static void
handle_export (Sim               *sim,
               SoupServerMessage *msg,
               int                host)
{
  g_autofree char *compression = query_one (msg, "use_compression");
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  SimRow *vm, *task;
  JsonNode *cur;
  GString *tar;
  guint n_disks = 0;
  SimFailNext *fault;
  Export *e;

  if (http_session (sim, msg) == NULL)
    return;
  vm = vm_of_query (sim, msg);
  task = task_for (sim, msg, "VM.export", host);
  if (vm == NULL)
    {
      g_autofree char *uuid = query_one (msg, "uuid");
      g_autofree char *ref = query_one (msg, "ref");
      GStrv err = ref || uuid == NULL ? sim_error ("HANDLE_INVALID", "VM", ref ? ref : "", NULL)
                                      : sim_error ("UUID_INVALID", "VM", uuid, NULL);
      sim_task_fail (sim, task, err);
      g_strfreev (err);
      html_error (msg, 500, "Internal Error");
      return;
    }
  /* with_vm_locked: Xapi_vm_lifecycle.assert_operation_valid `export */
  if (strcmp (sim_row_str (vm, "power_state"), "Halted") != 0
      && strcmp (sim_row_str (vm, "power_state"), "Suspended") != 0)
    {
      g_autofree char *actual = g_ascii_strdown (sim_row_str (vm, "power_state"), -1);
      GStrv err = sim_error ("VM_BAD_POWER_STATE", vm->ref, "halted, suspended", actual, NULL);
      sim_task_fail (sim, task, err);
      g_strfreev (err);
      html_error (msg, 500, "Internal Error");
      return;
    }
  cur = sim_row_value (vm, "current_operations");
  if (cur && JSON_NODE_HOLDS_OBJECT (cur) && json_object_get_size (json_node_get_object (cur)) > 0)
    {
      GStrv err = sim_error ("OTHER_OPERATION_IN_PROGRESS", "VM", vm->ref, NULL);
      sim_task_fail (sim, task, err);
      g_strfreev (err);
      html_error (msg, 500, "Internal Error");
      return;
    }

  sim_row_map_put_str (sim, vm, "current_operations", task->ref, "export");
  sim_vm_update_allowed (sim, vm);
  transfer_op_register (sim, task, "VM.export");
  sim_row_set_float (sim, task, "progress", 0.0);

  tar = build_xva (sim, vm, &n_disks);
  e = g_new0 (Export, 1);
  e->sim = sim;
  e->msg = g_object_ref (msg);
  e->task_ref = g_strdup (task->ref);
  e->vm_ref = g_strdup (vm->ref);
  if (compression && (strcmp (compression, "true") == 0 || strcmp (compression, "gzip") == 0))
    e->data = gzip_bytes (tar->str, tar->len);
  else if (compression && strcmp (compression, "zstd") == 0)
    e->data = zstd_bytes (tar->str, tar->len);
  else
    {
      gsize len = tar->len;
      e->data = g_bytes_new_take (g_string_free (g_steal_pointer (&tar), FALSE), len);
    }
  if (tar)
    g_string_free (tar, TRUE);
  e->slice = MAX (g_bytes_get_size (e->data) / 20, 1);
  fault = take_http_fault (sim, "VM.export");
  if (fault)
    {
      e->cut_at = MAX (g_bytes_get_size (e->data) / 2, 1);
      e->fault = g_strdupv (fault->error);
    }

  /* HTTP/1.0 200, Connection: close, no length: read until EOF */
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_encoding (resp, SOUP_ENCODING_EOF);
  soup_message_headers_replace (resp, "Connection", "close");
  soup_message_headers_set_content_type (resp, "application/octet-stream", NULL);
  soup_message_headers_replace (resp, "Content-Disposition", "attachment; filename=\"export.xva\"");
  g_signal_connect (msg, "finished", G_CALLBACK (export_finished), e);
  soup_server_message_pause (msg);
  e->timer = g_timeout_add (MAX ((guint) (sim_scaled (sim, 2.0 + n_disks) * 1000 / 20), 1), export_tick, e);
}

/* ---- reading an XVA */

typedef struct {
  const char *name;      /* points into the header copy */
  char        name_buf[101];
  const char *data;
  gsize       size;
} TarEntry;

/* The next member at *off; FALSE at the end marker, -1 (via *bad) when the
 * archive is cut short or damaged. */
static gboolean
tar_next (const char *data,
          gsize       len,
          gsize      *off,
          TarEntry   *entry,
          const char **bad)
{
  const char *h;
  char *end = NULL;
  guint64 size;
  guint sum = 0, want;

  *bad = NULL;
  if (*off + 512 > len)
    {
      *bad = "IMPORT_ERROR_PREMATURE_EOF";
      return FALSE;
    }
  h = data + *off;
  if (h[0] == '\0')
    return FALSE;
  for (guint i = 0; i < 512; i++)
    sum += (i >= 148 && i < 156) ? ' ' : (guchar) h[i];
  want = (guint) g_ascii_strtoull (h + 148, NULL, 8);
  size = g_ascii_strtoull (h + 124, &end, 8);
  if (sum != want || end == h + 124)
    {
      *bad = "IMPORT_ERROR_GENERIC";
      return FALSE;
    }
  memcpy (entry->name_buf, h, 100);
  entry->name_buf[100] = '\0';
  entry->name = entry->name_buf;
  if (*off + 512 + size > len)
    {
      *bad = "IMPORT_ERROR_PREMATURE_EOF";
      return FALSE;
    }
  entry->data = h + 512;
  entry->size = (gsize) size;
  *off += 512 + ((size + 511) / 512) * 512;
  return TRUE;
}

/* XML-RPC <value> → JSON (strings for untyped values and int64s, as the
 * XenAPI sends them). */
typedef struct {
  gboolean   is_member;
  JsonNode  *node;      /* value: struct/array container, or the result */
  GString   *text;
  char      *type;      /* innermost scalar element */
  char      *name;      /* member */
  JsonNode  *mvalue;
} XFrame;

typedef struct {
  GPtrArray *stack;
  JsonNode  *root;
} XParse;

static void
xframe_free (gpointer p)
{
  XFrame *f = p;
  g_clear_pointer (&f->node, json_node_unref);
  g_clear_pointer (&f->mvalue, json_node_unref);
  if (f->text)
    g_string_free (f->text, TRUE);
  g_free (f->type);
  g_free (f->name);
  g_free (f);
}

static XFrame *
xtop (XParse *x)
{
  return x->stack->len ? x->stack->pdata[x->stack->len - 1] : NULL;
}

static void
x_start (GMarkupParseContext *ctx,
         const char          *el,
         const char         **an,
         const char         **av,
         gpointer             data,
         GError             **error)
{
  XParse *x = data;
  XFrame *t = xtop (x);

  if (strcmp (el, "value") == 0)
    {
      XFrame *f = g_new0 (XFrame, 1);
      f->text = g_string_new (NULL);
      g_ptr_array_add (x->stack, f);
    }
  else if (strcmp (el, "member") == 0)
    {
      XFrame *f = g_new0 (XFrame, 1);
      f->is_member = TRUE;
      f->text = g_string_new (NULL);
      g_ptr_array_add (x->stack, f);
    }
  else if (t && !t->is_member && strcmp (el, "struct") == 0)
    t->node = sv_empty_map ();
  else if (t && !t->is_member && strcmp (el, "array") == 0)
    t->node = sv_empty_set ();
  else if (t && !t->is_member && strcmp (el, "data") != 0)
    {
      g_free (t->type);
      t->type = g_strdup (el);
    }
  else if (t && t->is_member && strcmp (el, "name") == 0)
    g_string_truncate (t->text, 0);
}

static void
x_text (GMarkupParseContext *ctx,
        const char          *text,
        gsize                len,
        gpointer             data,
        GError             **error)
{
  XParse *x = data;
  XFrame *t = xtop (x);
  const char *el = g_markup_parse_context_get_element (ctx);

  if (t && !t->is_member && t->node == NULL)
    g_string_append_len (t->text, text, len);
  else if (t && t->is_member && el && strcmp (el, "name") == 0)
    g_string_append_len (t->text, text, len);
}

static void
x_end (GMarkupParseContext *ctx,
       const char          *el,
       gpointer             data,
       GError             **error)
{
  XParse *x = data;
  XFrame *t = xtop (x);

  if (t && t->is_member && strcmp (el, "name") == 0)
    {
      g_free (t->name);
      t->name = g_strdup (t->text->str);
    }
  else if (t && !t->is_member && strcmp (el, "value") == 0)
    {
      JsonNode *v = g_steal_pointer (&t->node);
      XFrame *parent;

      if (v == NULL)
        {
          if (t->type && strcmp (t->type, "boolean") == 0)
            v = sv_bool (strcmp (t->text->str, "1") == 0);
          else if (t->type && strcmp (t->type, "double") == 0)
            v = sv_float (g_ascii_strtod (t->text->str, NULL));
          else
            v = sv_str (t->text->str);
        }
      g_ptr_array_steal_index (x->stack, x->stack->len - 1);
      xframe_free (t);
      parent = xtop (x);
      if (parent == NULL)
        {
          g_clear_pointer (&x->root, json_node_unref);
          x->root = v;
        }
      else if (parent->is_member)
        {
          g_clear_pointer (&parent->mvalue, json_node_unref);
          parent->mvalue = v;
        }
      else if (parent->node && JSON_NODE_HOLDS_ARRAY (parent->node))
        json_array_add_element (json_node_get_array (parent->node), v);
      else
        json_node_unref (v);
    }
  else if (t && t->is_member && strcmp (el, "member") == 0)
    {
      XFrame *parent;
      g_ptr_array_steal_index (x->stack, x->stack->len - 1);
      parent = xtop (x);
      if (parent && parent->node && JSON_NODE_HOLDS_OBJECT (parent->node) && t->name && t->mvalue)
        json_object_set_member (json_node_get_object (parent->node), t->name, g_steal_pointer (&t->mvalue));
      xframe_free (t);
    }
}

static JsonNode *
xmlrpc_parse (const char *text,
              gsize       len)
{
  static const GMarkupParser parser = { x_start, x_end, x_text, NULL, NULL };
  XParse x = { g_ptr_array_new_with_free_func (xframe_free), NULL };
  GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, &x, NULL);
  gboolean ok = g_markup_parse_context_parse (ctx, text, len, NULL)
                && g_markup_parse_context_end_parse (ctx, NULL);

  g_markup_parse_context_free (ctx);
  g_ptr_array_unref (x.stack);
  if (!ok)
    g_clear_pointer (&x.root, json_node_unref);
  return x.root;
}

/* ---- import */

typedef struct {
  Sim       *sim;
  char      *task_ref;
  GPtrArray *created;     /* refs, newest last */
  char      *vm_ref;
  GStrv      fault;
  guint      ticks;
  guint      timer;
} Import;

static void
import_free (Import *im)
{
  g_clear_handle_id (&im->timer, g_source_remove);
  g_ptr_array_unref (im->created);
  g_strfreev (im->fault);
  g_free (im->task_ref);
  g_free (im->vm_ref);
  g_free (im);
}

/* Removes what the import made (Import.cleanup), newest first. */
static void
import_rollback (Import *im)
{
  for (guint i = im->created->len; i > 0; i--)
    {
      SimRow *r = sim_db_find (im->sim, im->created->pdata[i - 1]);
      if (r)
        sim_db_remove (im->sim, r);
    }
  g_ptr_array_set_size (im->created, 0);
}

static gboolean
import_tick (gpointer data)
{
  Import *im = data;
  SimRow *task = sim_db_find (im->sim, im->task_ref);
  GStrv err = NULL;

  if (task == NULL)
    {
      im->timer = 0;
      import_rollback (im);
      transfer_op_unregister (im->sim, im->task_ref);
      import_free (im);
      return G_SOURCE_REMOVE;
    }
  if (transfer_op_cancelled (im->sim, im->task_ref))
    err = sim_error ("TASK_CANCELLED", im->task_ref, NULL);
  else if (im->fault && im->ticks >= 10)
    err = g_strdupv (im->fault);
  if (err == NULL && ++im->ticks < 20)
    {
      sim_row_set_float (im->sim, task, "progress", im->ticks / 20.0);
      return G_SOURCE_CONTINUE;
    }
  im->timer = 0;
  transfer_op_unregister (im->sim, im->task_ref);
  if (err)
    {
      import_rollback (im);
      sim_task_fail (im->sim, task, err);
      g_strfreev (err);
    }
  else
    {
      JsonNode *res = sv_strset (im->vm_ref, NULL);
      SimRow *vm = sim_db_find (im->sim, im->vm_ref);
      if (vm)
        sim_vm_update_allowed (im->sim, vm);
      sim_task_complete (im->sim, task, res);
      json_node_unref (res);
    }
  import_free (im);
  return G_SOURCE_REMOVE;
}

static void
copy_fields (Sim        *sim,
             SimRow     *row,
             JsonObject *snap,
             const char *const *fields)
{
  for (guint f = 0; fields[f]; f++)
    {
      SimField *sf = sim_class_field (row->cls, fields[f]);
      JsonNode *v = json_object_get_member (snap, fields[f]);
      char *err = NULL;
      JsonNode *c;

      if (sf == NULL || v == NULL)
        continue;
      c = sim_coerce (sim->model, sf->type, v, &err);
      g_free (err);
      if (c)
        sim_row_set_field (sim, row, sf, c);
    }
}

static SimRow *
find_network (Sim        *sim,
              JsonObject *snap)
{
  SimClass *nets = sim_model_class (sim->model, "network");
  const char *bridge = snap && json_object_has_member (snap, "bridge") ? json_object_get_string_member (snap, "bridge") : NULL;
  const char *name = snap && json_object_has_member (snap, "name_label") ? json_object_get_string_member (snap, "name_label") : NULL;
  GHashTableIter it;
  gpointer k, v;
  SimRow *by_name = NULL, *with_pifs = NULL;

  g_hash_table_iter_init (&it, nets->rows);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      JsonNode *pifs = sim_row_value (v, "PIFs");
      if (bridge && strcmp (sim_row_str (v, "bridge"), bridge) == 0)
        return v;
      if (name && strcmp (sim_row_str (v, "name_label"), name) == 0)
        by_name = v;
      if (with_pifs == NULL && pifs && json_array_get_length (json_node_get_array (pifs)) > 0)
        with_pifs = v;
    }
  return by_name ? by_name : with_pifs;
}

/* Checks the archive and creates the VM; returns the error (owned) or NULL. */
static GStrv
import_archive (Sim        *sim,
                Import     *im,
                const char *data,
                gsize       len,
                SimRow     *sr)
{
  gsize off = 0;
  TarEntry e;
  const char *bad = NULL;
  g_autoptr(JsonNode) ova = NULL;
  JsonArray *objs;
  g_autoptr(GHashTable) map = g_hash_table_new (g_str_hash, g_str_equal);   /* id -> SimRow */
  g_autoptr(GHashTable) vdi_ids = g_hash_table_new (g_str_hash, g_str_equal);
  SimRow *vm = NULL;

  if (!tar_next (data, len, &off, &e, &bad))
    return sim_error (bad ? bad : "IMPORT_ERROR_PREMATURE_EOF", NULL);
  if (strcmp (e.name, "ova.xml") != 0)
    return sim_error ("IMPORT_ERROR_UNEXPECTED_FILE", "ova.xml", e.name, NULL);
  ova = xmlrpc_parse (e.data, e.size);
  if (ova == NULL || !JSON_NODE_HOLDS_OBJECT (ova)
      || !json_object_has_member (json_node_get_object (ova), "objects")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (ova), "objects")))
    return sim_error ("IMPORT_ERROR_GENERIC", "ova.xml is not an XVA header", NULL);
  objs = json_object_get_array_member (json_node_get_object (ova), "objects");
  for (guint i = 0; i < json_array_get_length (objs); i++)
    {
      JsonNode *n = json_array_get_element (objs, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      if (o == NULL || !json_object_has_member (o, "class") || !json_object_has_member (o, "id")
          || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "snapshot")))
        return sim_error ("IMPORT_ERROR_GENERIC", "malformed object in ova.xml", NULL);
      if (strcmp (json_object_get_string_member (o, "class"), "VDI") == 0)
        g_hash_table_add (vdi_ids, (gpointer) json_object_get_string_member (o, "id"));
    }

  /* the disks: every chunk needs its checksum */
  for (;;)
    {
      TarEntry c;
      g_autofree char *dir = NULL;
      char *slash;

      if (!tar_next (data, len, &off, &e, &bad))
        {
          if (bad)
            return sim_error (bad, NULL);
          break;
        }
      dir = g_strdup (e.name);
      slash = strchr (dir, '/');
      if (slash == NULL)
        return sim_error ("IMPORT_ERROR_UNEXPECTED_FILE", "Ref:…/00000000", e.name, NULL);
      *slash = '\0';
      if (!g_hash_table_contains (vdi_ids, dir))
        return sim_error ("IMPORT_ERROR_FAILED_TO_FIND_OBJECT", dir, NULL);
      if (!tar_next (data, len, &off, &c, &bad))
        return sim_error (bad ? bad : "IMPORT_ERROR_PREMATURE_EOF", NULL);
      if (g_str_has_prefix (c.name, e.name) && strcmp (c.name + strlen (e.name), ".checksum") == 0)
        {
          g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) e.data, e.size);
          if (c.size != strlen (sum) || g_ascii_strncasecmp (c.data, sum, c.size) != 0)
            return sim_error ("IMPORT_ERROR_SOME_CHECKSUMS_FAILED", NULL);
        }
      else if (!(g_str_has_prefix (c.name, e.name) && strcmp (c.name + strlen (e.name), ".xxhash") == 0))
        {
          g_autofree char *want = g_strconcat (e.name, ".checksum", NULL);
          return sim_error ("IMPORT_ERROR_UNEXPECTED_FILE", want, c.name, NULL);
        }
    }

  /* the objects: VM, then VDIs on the chosen SR, then VBDs and VIFs */
  for (int pass = 0; pass < 3; pass++)
    for (guint i = 0; i < json_array_get_length (objs); i++)
      {
        JsonObject *o = json_array_get_object_element (objs, i);
        const char *cls = json_object_get_string_member (o, "class");
        const char *id = json_object_get_string_member (o, "id");
        JsonObject *snap = json_object_get_object_member (o, "snapshot");
        static const char *const vm_fields[] = {
          "name_label", "name_description", "memory_static_max", "memory_static_min", "memory_dynamic_max",
          "memory_dynamic_min", "memory_target", "VCPUs_max", "VCPUs_at_startup", "VCPUs_params", "other_config",
          "platform", "HVM_boot_policy", "HVM_boot_params", "PV_bootloader", "PV_args", "domain_type", "tags",
          "is_a_template", "actions_after_shutdown", "actions_after_reboot", "actions_after_crash",
          "recommendations", "user_version", "ha_restart_priority", "order", NULL };
        static const char *const vdi_fields[] = {
          "name_label", "name_description", "virtual_size", "type", "sharable", "read_only", "other_config",
          "tags", NULL };
        static const char *const vbd_fields[] = {
          "userdevice", "mode", "type", "bootable", "unpluggable", "other_config", "qos_algorithm_type",
          "qos_algorithm_params", NULL };
        static const char *const vif_fields[] = {
          "device", "MAC", "MTU", "other_config", "qos_algorithm_type", "qos_algorithm_params",
          "locking_mode", NULL };
        SimRow *row;

        if (pass == 0 && strcmp (cls, "VM") == 0 && vm == NULL)
          {
            SimRow *m = sim_db_add (sim, "VM_metrics", NULL);
            g_ptr_array_add (im->created, g_strdup (m->ref));
            vm = row = sim_db_add (sim, "VM", NULL);
            g_ptr_array_add (im->created, g_strdup (row->ref));
            copy_fields (sim, row, snap, vm_fields);
            sim_row_set_str (sim, vm, "power_state", "Halted");
            sim_row_set_int (sim, vm, "domid", -1);
            sim_row_set_ref (sim, vm, "metrics", m);
          }
        else if (pass == 1 && strcmp (cls, "VDI") == 0)
          {
            row = sim_db_add (sim, "VDI", NULL);
            g_ptr_array_add (im->created, g_strdup (row->ref));
            copy_fields (sim, row, snap, vdi_fields);
            sim_row_set_ref (sim, row, "SR", sr);
            sim_row_set_int (sim, row, "physical_utilisation", sim_row_int (row, "virtual_size") / 10);
            sim_row_set_str (sim, row, "location", sim_row_str (row, "uuid"));
          }
        else if (pass == 2 && vm && strcmp (cls, "VBD") == 0)
          {
            const char *vdi_id = json_object_has_member (snap, "VDI") ? json_object_get_string_member (snap, "VDI") : NULL;
            SimRow *vdi = vdi_id ? g_hash_table_lookup (map, vdi_id) : NULL;
            row = sim_db_add (sim, "VBD", NULL);
            g_ptr_array_add (im->created, g_strdup (row->ref));
            copy_fields (sim, row, snap, vbd_fields);
            sim_row_set_ref (sim, row, "VM", vm);
            if (vdi)
              sim_row_set_ref (sim, row, "VDI", vdi);
            sim_row_set_bool (sim, row, "empty", vdi == NULL);
            sim_row_set_bool (sim, row, "currently_attached", FALSE);
          }
        else if (pass == 2 && vm && strcmp (cls, "VIF") == 0)
          {
            const char *net_id = json_object_has_member (snap, "network") ? json_object_get_string_member (snap, "network") : NULL;
            JsonObject *net_snap = NULL;
            SimRow *net;
            for (guint j = 0; net_id && j < json_array_get_length (objs); j++)
              {
                JsonObject *n = json_array_get_object_element (objs, j);
                if (strcmp (json_object_get_string_member (n, "id"), net_id) == 0)
                  net_snap = json_object_get_object_member (n, "snapshot");
              }
            net = find_network (sim, net_snap);
            row = sim_db_add (sim, "VIF", NULL);
            g_ptr_array_add (im->created, g_strdup (row->ref));
            copy_fields (sim, row, snap, vif_fields);
            sim_row_set_ref (sim, row, "VM", vm);
            if (net)
              sim_row_set_ref (sim, row, "network", net);
            sim_row_set_bool (sim, row, "currently_attached", FALSE);
          }
        else
          continue;
        g_hash_table_insert (map, (gpointer) id, row);
      }
  if (vm == NULL)
    {
      import_rollback (im);
      return sim_error ("IMPORT_ERROR_GENERIC", "the archive describes no VM", NULL);
    }
  im->vm_ref = g_strdup (vm->ref);
  return NULL;
}

static SimRow *
import_sr (Sim               *sim,
           SoupServerMessage *msg)
{
  g_autofree char *sr_id = query_one (msg, "sr_id");
  g_autofree char *sr_uuid = query_one (msg, "sr_uuid");
  SimClass *srs = sim_model_class (sim->model, "SR");

  if (sr_id)
    return sim_db_get (sim, srs, sr_id);
  if (sr_uuid)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, srs->rows);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (strcmp (sim_row_str (v, "uuid"), sr_uuid) == 0)
          return v;
      return NULL;
    }
  return sim_row_deref (sim, sim_pool (sim), "default_SR");
}

static void
handle_import (Sim               *sim,
               SoupServerMessage *msg,
               int                host)
{
  SoupMessageHeaders *rh = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  SimRow *task, *sr;
  SimFailNext *fault;
  g_autoptr(GBytes) full = NULL;
  g_autoptr(GBytes) tar = NULL;
  Import *im;
  GStrv err;

  if (http_session (sim, msg) == NULL)
    return;
  task = task_for (sim, msg, "VM.import", host);
  if (soup_message_headers_get_encoding (rh) != SOUP_ENCODING_CONTENT_LENGTH)
    {
      GStrv e = sim_error ("IMPORT_ERROR_CANNOT_HANDLE_CHUNKED", NULL);
      sim_task_fail (sim, task, e);
      g_strfreev (e);
      html_error (msg, 403, "Forbidden");
      return;
    }
  sr = import_sr (sim, msg);
  if (sr == NULL)
    {
      g_autofree char *sr_id = query_one (msg, "sr_id");
      GStrv e = sim_error ("HANDLE_INVALID", "SR", sr_id ? sr_id : "", NULL);
      sim_task_fail (sim, task, e);
      g_strfreev (e);
      html_error (msg, 404, "Not Found");
      return;
    }

  /* xapi answers 200 before it reads the body; the outcome is the task's */
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_STATIC, "", 0);

  im = g_new0 (Import, 1);
  im->sim = sim;
  im->task_ref = g_strdup (task->ref);
  im->created = g_ptr_array_new_with_free_func (g_free);
  full = soup_message_body_flatten (body);
  tar = maybe_decompress (g_bytes_get_data (full, NULL), g_bytes_get_size (full));
  err = tar ? import_archive (sim, im, g_bytes_get_data (tar, NULL), g_bytes_get_size (tar), sr)
            : sim_error ("IMPORT_ERROR_GENERIC", "the compressed stream is damaged", NULL);
  if (err)
    {
      sim_task_fail (sim, task, err);
      g_strfreev (err);
      import_free (im);
      return;
    }
  fault = take_http_fault (sim, "VM.import");
  if (fault)
    im->fault = g_strdupv (fault->error);
  transfer_op_register (sim, task, "VM.import");
  im->timer = g_timeout_add (MAX ((guint) (sim_scaled (sim, 2.0) * 1000 / 20), 1), import_tick, im);
}

void
sim_http_handle (Sim               *sim,
                 SoupServerMessage *msg,
                 const char        *path,
                 int                host)
{
  const char *method = soup_server_message_get_method (msg);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-cache, no-store");
  if (strcmp (path, "/rrd_updates") == 0 && strcmp (method, "GET") == 0)
    handle_rrd_updates (sim, msg, host);
  else if (strcmp (path, "/export") == 0 && strcmp (method, "GET") == 0)
    handle_export (sim, msg, host);
  else if (strcmp (path, "/import") == 0 && (strcmp (method, "PUT") == 0 || strcmp (method, "POST") == 0))
    handle_import (sim, msg, host);
  else
    soup_server_message_set_status (msg, 403, NULL);
}
