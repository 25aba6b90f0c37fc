/* xapi-transfer.c: XVA export and import over xapi's /export and /import
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The protocol (xapi-protocol.md §4.3, §4.5): task.create, then
 * "GET /export?session_id&ref&task_id&use_compression" answers 200 and
 * streams the archive until EOF (no Content-Length), or an HTTP error with
 * the reason on the task; "PUT /import?session_id&task_id&sr_id" needs a
 * Content-Length, answers 200 before it reads and puts the outcome (the
 * new VM refs) on the task.
 */

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>
#include <zstd.h>
#include <glib/gi18n-lib.h>

#include "xapi-transfer.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"
#include "xapi-rpc.h"
#include "xapi-task-ops.h"

#define READ_SIZE        (256 * 1024)
#define MAX_MEMBER_BYTES ((gsize) 64 * 1024 * 1024)   /* ova.xml or one chunk */
#define REFUSAL_WAIT_MS  15000

G_DEFINE_QUARK (xapi-transfer-error-quark, xapi_transfer_error)

/* ------------------------------------------------------------------ zstd */

#define XAPI_TYPE_ZSTD_DECOMPRESSOR (xapi_zstd_decompressor_get_type ())
G_DECLARE_FINAL_TYPE (XapiZstdDecompressor, xapi_zstd_decompressor, XAPI, ZSTD_DECOMPRESSOR, GObject)

struct _XapiZstdDecompressor
{
  GObject       parent_instance;
  ZSTD_DStream *stream;
  gboolean      frame_done;
};

static void xapi_zstd_converter_init (GConverterIface *iface);

G_DEFINE_TYPE_WITH_CODE (XapiZstdDecompressor, xapi_zstd_decompressor, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_CONVERTER, xapi_zstd_converter_init))

static GConverterResult
zstd_convert (GConverter      *converter,
              const void      *inbuf,
              gsize            inbuf_size,
              void            *outbuf,
              gsize            outbuf_size,
              GConverterFlags  flags,
              gsize           *bytes_read,
              gsize           *bytes_written,
              GError         **error)
{
  XapiZstdDecompressor *self = XAPI_ZSTD_DECOMPRESSOR (converter);
  ZSTD_inBuffer in = { inbuf, inbuf_size, 0 };
  ZSTD_outBuffer out = { outbuf, outbuf_size, 0 };
  size_t ret = ZSTD_decompressStream (self->stream, &out, &in);

  if (ZSTD_isError (ret))
    {
      /* Translators: %s is the decompressor's reason, in English */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The zstd data is damaged (%s)"),
                   ZSTD_getErrorName (ret));
      return G_CONVERTER_ERROR;
    }
  *bytes_read = in.pos;
  *bytes_written = out.pos;
  self->frame_done = ret == 0;
  if ((flags & G_CONVERTER_INPUT_AT_END) && in.pos == inbuf_size && out.pos < outbuf_size)
    {
      if (ret == 0)
        return G_CONVERTER_FINISHED;
      if (out.pos == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, _("The zstd data ends early"));
          return G_CONVERTER_ERROR;
        }
    }
  if (in.pos == 0 && out.pos == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "More zstd input is needed");
      return G_CONVERTER_ERROR;
    }
  return G_CONVERTER_CONVERTED;
}

static void
zstd_reset (GConverter *converter)
{
  XapiZstdDecompressor *self = XAPI_ZSTD_DECOMPRESSOR (converter);

  ZSTD_initDStream (self->stream);
}

static void
xapi_zstd_converter_init (GConverterIface *iface)
{
  iface->convert = zstd_convert;
  iface->reset = zstd_reset;
}

static void
xapi_zstd_decompressor_finalize (GObject *object)
{
  ZSTD_freeDStream (XAPI_ZSTD_DECOMPRESSOR (object)->stream);
  G_OBJECT_CLASS (xapi_zstd_decompressor_parent_class)->finalize (object);
}

static void
xapi_zstd_decompressor_class_init (XapiZstdDecompressorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = xapi_zstd_decompressor_finalize;
}

static void
xapi_zstd_decompressor_init (XapiZstdDecompressor *self)
{
  self->stream = ZSTD_createDStream ();
  ZSTD_initDStream (self->stream);
}

/* ------------------------------------------------------------------ XXH64 */

#define P1 G_GUINT64_CONSTANT (0x9E3779B185EBCA87)
#define P2 G_GUINT64_CONSTANT (0xC2B2AE3D27D4EB4F)
#define P3 G_GUINT64_CONSTANT (0x165667B19E3779F9)
#define P4 G_GUINT64_CONSTANT (0x85EBCA77C2B2AE63)
#define P5 G_GUINT64_CONSTANT (0x27D4EB2F165667C5)

static inline guint64
rotl64 (guint64 x,
        int     r)
{
  return (x << r) | (x >> (64 - r));
}

static inline guint64
read64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

static inline guint32
read32 (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static inline guint64
xxh_round (guint64 acc,
           guint64 input)
{
  acc += input * P2;
  acc = rotl64 (acc, 31);
  return acc * P1;
}

static inline guint64
xxh_merge (guint64 acc,
           guint64 val)
{
  acc ^= xxh_round (0, val);
  return acc * P1 + P4;
}

guint64
xapi_xxh64 (const void *data,
            gsize       length,
            guint64     seed)
{
  const guint8 *p = data;
  const guint8 *end = p + length;
  guint64 h;

  if (length >= 32)
    {
      guint64 v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
      const guint8 *limit = end - 32;

      do
        {
          v1 = xxh_round (v1, read64 (p));
          v2 = xxh_round (v2, read64 (p + 8));
          v3 = xxh_round (v3, read64 (p + 16));
          v4 = xxh_round (v4, read64 (p + 24));
          p += 32;
        }
      while (p <= limit);
      h = rotl64 (v1, 1) + rotl64 (v2, 7) + rotl64 (v3, 12) + rotl64 (v4, 18);
      h = xxh_merge (h, v1);
      h = xxh_merge (h, v2);
      h = xxh_merge (h, v3);
      h = xxh_merge (h, v4);
    }
  else
    h = seed + P5;
  h += (guint64) length;
  while (p + 8 <= end)
    {
      h ^= xxh_round (0, read64 (p));
      h = rotl64 (h, 27) * P1 + P4;
      p += 8;
    }
  if (p + 4 <= end)
    {
      h ^= (guint64) read32 (p) * P1;
      h = rotl64 (h, 23) * P2 + P3;
      p += 4;
    }
  while (p < end)
    {
      h ^= (*p) * P5;
      h = rotl64 (h, 11) * P1;
      p++;
    }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

/* ------------------------------------------------------------------ verify */

void
xapi_xva_info_free (XapiXvaInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->vm_name);
  g_free (info);
}

static gboolean
damaged (GError    **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
damaged (GError    **error,
         const char *format,
         ...)
{
  va_list ap;
  g_autofree char *text = NULL;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  /* Translators: %s is the reason, e.g. “the file is empty” */
  g_set_error (error, XAPI_TRANSFER_ERROR, XAPI_TRANSFER_ERROR_DAMAGED, _("The file is not a valid XVA: %s"), text);
  return FALSE;
}

/* Reads exactly @len bytes; FALSE with "ends early" at EOF. */
static gboolean
read_exact (GInputStream  *in,
            void          *buf,
            gsize          len,
            XapiXvaInfo   *info,
            GCancellable  *cancellable,
            GError       **error)
{
  gsize got = 0;
  g_autoptr(GError) local = NULL;

  if (!g_input_stream_read_all (in, buf, len, &got, cancellable, &local))
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) || local->domain != G_IO_ERROR
          || (local->code != G_IO_ERROR_PARTIAL_INPUT && local->code != G_IO_ERROR_INVALID_DATA))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      return damaged (error, "%s", local->message);
    }
  info->bytes += got;
  if (got < len)
    /* Translators: a reason completing “The file is not a valid XVA: %s” */
    return damaged (error, _("it ends early (the file is truncated)"));
  return TRUE;
}

typedef struct {
  char    name[101];
  guint64 size;
  gboolean end;
} Header;

static gboolean
read_header (GInputStream  *in,
             Header        *h,
             XapiXvaInfo   *info,
             GCancellable  *cancellable,
             GError       **error)
{
  guchar b[512];
  guint sum = 0;
  guint64 want;
  gboolean zero = TRUE;
  char *end = NULL;

  if (!read_exact (in, b, sizeof b, info, cancellable, error))
    return FALSE;
  for (guint i = 0; i < 512; i++)
    {
      zero = zero && b[i] == 0;
      sum += (i >= 148 && i < 156) ? ' ' : b[i];
    }
  h->end = zero;
  if (zero)
    return TRUE;
  want = g_ascii_strtoull ((const char *) b + 148, NULL, 8);
  if (want != sum)
    /* Translators: a reason completing “The file is not a valid XVA: %s” */
    return damaged (error, _("a tar header is damaged (bad checksum)"));
  memcpy (h->name, b, 100);
  h->name[100] = '\0';
  h->size = g_ascii_strtoull ((const char *) b + 124, &end, 8);
  if (end == (const char *) b + 124)
    /* Translators: a reason completing “The file is not a valid XVA: %s”; %s is a member name in the archive */
    return damaged (error, _("the tar header of “%s” has no size"), h->name);
  return TRUE;
}

/* Reads a member's data and its padding into a new buffer. */
static guchar *
read_member (GInputStream  *in,
             const Header  *h,
             XapiXvaInfo   *info,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree guchar *data = NULL;
  guchar pad[512];
  gsize padding = (512 - h->size % 512) % 512;

  if (h->size > MAX_MEMBER_BYTES)
    {
      g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) h->size);

      /* Translators: a reason completing “The file is not a valid XVA: %s”; the
       * first %s is a member name in the archive, the second a number of bytes */
      damaged (error, _("the member “%s” is too large (%s bytes)"), h->name, size);
      return NULL;
    }
  data = g_malloc (MAX (h->size, 1));
  if (!read_exact (in, data, h->size, info, cancellable, error)
      || !read_exact (in, pad, padding, info, cancellable, error))
    return NULL;
  return g_steal_pointer (&data);
}

static char *
vm_name_of_ova (const guchar *text,
                gsize         len,
                guint        *n_vms,
                GError      **error)
{
  g_autofree char *s = g_strndup ((const char *) text, len);
  char *start = strstr (s, "<value>");
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *top;
  JsonArray *objects;
  char *name = NULL;

  if (start == NULL)
    {
      /* Translators: a reason completing “The file is not a valid XVA: %s” */
      damaged (error, _("ova.xml holds no XML-RPC value"));
      return NULL;
    }
  root = xapi_xmlrpc_value_parse (start, &local);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      /* Translators: a reason completing “The file is not a valid XVA: %s”; %s is a technical detail */
      damaged (error, _("ova.xml cannot be read (%s)"), local ? local->message : "not a struct");
      return NULL;
    }
  top = json_node_get_object (root);
  if (!json_object_has_member (top, "objects") || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (top, "objects")))
    {
      /* Translators: a reason completing “The file is not a valid XVA: %s” */
      damaged (error, _("ova.xml lists no objects"));
      return NULL;
    }
  objects = json_object_get_array_member (top, "objects");
  *n_vms = 0;
  for (guint i = 0; i < json_array_get_length (objects); i++)
    {
      JsonNode *n = json_array_get_element (objects, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      JsonNode *cls = o ? json_object_get_member (o, "class") : NULL;
      JsonNode *snap = o ? json_object_get_member (o, "snapshot") : NULL;

      if (cls == NULL || !JSON_NODE_HOLDS_VALUE (cls) || g_strcmp0 (json_node_get_string (cls), "VM") != 0
          || snap == NULL || !JSON_NODE_HOLDS_OBJECT (snap))
        continue;
      (*n_vms)++;
      if (name == NULL && json_object_has_member (json_node_get_object (snap), "name_label"))
        name = g_strdup (json_object_get_string_member (json_node_get_object (snap), "name_label"));
    }
  if (name == NULL)
    /* Translators: a reason completing “The file is not a valid XVA: %s” */
    damaged (error, _("ova.xml describes no VM"));
  return name;
}

XapiXvaInfo *
xapi_xva_verify (GFile         *file,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(GFileInputStream) fin = NULL;
  g_autoptr(GBufferedInputStream) buffered = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(XapiXvaInfo) info = g_new0 (XapiXvaInfo, 1);
  g_autoptr(GHashTable) disks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const guchar *magic;
  gsize n_magic = 0;
  Header h;
  g_autofree guchar *ova = NULL;

  fin = g_file_read (file, cancellable, error);
  if (fin == NULL)
    return NULL;
  buffered = G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (G_INPUT_STREAM (fin), 65536));
  if (g_buffered_input_stream_fill (buffered, 4, cancellable, error) < 0)
    return NULL;
  magic = g_buffered_input_stream_peek_buffer (buffered, &n_magic);
  if (n_magic >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    {
      g_autoptr(GObject) conv = g_object_new (XAPI_TYPE_ZSTD_DECOMPRESSOR, NULL);
      in = g_converter_input_stream_new (G_INPUT_STREAM (buffered), G_CONVERTER (conv));
    }
  else if (n_magic >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    {
      g_autoptr(GZlibDecompressor) conv = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
      in = g_converter_input_stream_new (G_INPUT_STREAM (buffered), G_CONVERTER (conv));
    }
  else
    in = g_object_ref (G_INPUT_STREAM (buffered));

  if (n_magic == 0)
    {
      /* Translators: a reason completing “The file is not a valid XVA: %s” */
      damaged (error, _("the file is empty"));
      return NULL;
    }
  if (!read_header (in, &h, info, cancellable, error))
    return NULL;
  if (h.end || strcmp (h.name, "ova.xml") != 0)
    {
      /* Translators: a reason completing “The file is not a valid XVA: %s” */
      damaged (error, _("it does not start with ova.xml"));
      return NULL;
    }
  ova = read_member (in, &h, info, cancellable, error);
  if (ova == NULL)
    return NULL;
  info->vm_name = vm_name_of_ova (ova, h.size, &info->n_vms, error);
  if (info->vm_name == NULL)
    return NULL;

  for (;;)
    {
      Header c;
      g_autofree guchar *data = NULL;
      g_autofree guchar *sum = NULL;
      g_autofree char *expected = NULL;
      const char *ext;
      char *slash;

      if (!read_header (in, &h, info, cancellable, error))
        return NULL;
      if (h.end)
        break;
      slash = strchr (h.name, '/');
      if (!g_str_has_prefix (h.name, "Ref:") || slash == NULL)
        {
          /* Translators: a reason completing “The file is not a valid XVA: %s”; %s is a member name in the archive */
          damaged (error, _("unexpected member “%s”"), h.name);
          return NULL;
        }
      data = read_member (in, &h, info, cancellable, error);
      if (data == NULL)
        return NULL;
      if (!read_header (in, &c, info, cancellable, error))
        return NULL;
      if (c.end || !g_str_has_prefix (c.name, h.name))
        {
          /* Translators: a reason completing “The file is not a valid XVA: %s”; %s is a member name in the archive */
          damaged (error, _("the chunk “%s” has no checksum"), h.name);
          return NULL;
        }
      ext = c.name + strlen (h.name);
      if (strcmp (ext, ".checksum") == 0)
        expected = g_compute_checksum_for_data (G_CHECKSUM_SHA1, data, h.size);
      else if (strcmp (ext, ".xxhash") == 0)
        expected = g_strdup_printf ("%016" G_GINT64_MODIFIER "X", xapi_xxh64 (data, h.size, 0));
      else
        {
          /* Translators: a reason completing “The file is not a valid XVA: %s”; both %s are member names in the archive */
          damaged (error, _("the chunk “%s” has an unknown checksum file “%s”"), h.name, c.name);
          return NULL;
        }
      sum = read_member (in, &c, info, cancellable, error);
      if (sum == NULL)
        return NULL;
      if (c.size != strlen (expected) || g_ascii_strncasecmp ((const char *) sum, expected, c.size) != 0)
        {
          /* Translators: a reason completing “The file is not a valid XVA: %s”; %s is a member name in the archive */
          damaged (error, _("the checksum of “%s” does not match its content"), h.name);
          return NULL;
        }
      info->n_chunks++;
      *slash = '\0';
      g_hash_table_add (disks, g_strdup (h.name));
    }
  info->n_disks = g_hash_table_size (disks);
  return g_steal_pointer (&info);
}

static void
verify_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  XapiXvaInfo *info = xapi_xva_verify (data, cancellable, &error);

  if (info != NULL)
    g_task_return_pointer (task, info, (GDestroyNotify) xapi_xva_info_free);
  else
    g_task_return_error (task, error);
}

void
xapi_xva_verify_async (GFile               *file,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (G_IS_FILE (file));
  g_task_set_source_tag (task, xapi_xva_verify_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, verify_thread);
}

XapiXvaInfo *
xapi_xva_verify_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ transfers */

typedef struct {
  XapiConnection          *conn;
  gboolean                 is_import;
  char                    *vm_ref;
  char                    *sr_ref;
  char                    *label;
  XapiXvaCompression       compression;
  GFile                   *dest;
  GFile                   *tmp;
  GFile                   *source;
  gboolean                 verify;
  XapiTransferProgressFunc progress;
  gpointer                 progress_data;
  SoupSession             *session;
  SoupMessage             *msg;
  GInputStream            *in;
  GOutputStream           *out;
  XapiTask                *task;
  gulong                   progress_handler;
  guint64                  bytes;
  goffset                  size;
  GCancellable            *refusal_wait;   /* bounds the wait for a refused request's task */
  guint                    refusal_timer;
  GError                  *failure;        /* returned once the partial file is gone */
} Transfer;

static void
transfer_free (gpointer p)
{
  Transfer *t = p;

  if (t->task != NULL)
    g_clear_signal_handler (&t->progress_handler, t->task);
  g_clear_handle_id (&t->refusal_timer, g_source_remove);
  g_clear_object (&t->refusal_wait);
  g_clear_object (&t->task);
  g_clear_object (&t->in);
  g_clear_object (&t->out);
  g_clear_object (&t->msg);
  if (t->session != NULL)
    soup_session_abort (t->session);
  g_clear_object (&t->session);
  g_clear_object (&t->conn);
  g_clear_object (&t->dest);
  g_clear_object (&t->tmp);
  g_clear_object (&t->source);
  g_clear_error (&t->failure);
  g_free (t->vm_ref);
  g_free (t->sr_ref);
  g_free (t->label);
  g_free (t);
}

static void
report_progress (Transfer *t)
{
  double fraction = -1;

  if (t->progress == NULL)
    return;
  if (t->is_import && t->size > 0 && (guint64) t->bytes < (guint64) t->size)
    fraction = 0.5 * t->bytes / t->size;   /* the upload, then the server's work */
  else if (t->task != NULL && xapi_task_is_pending (t->task))
    fraction = t->is_import ? 0.5 + 0.5 * xapi_task_get_progress (t->task) : xapi_task_get_progress (t->task);
  t->progress (t->bytes, MIN (fraction, 0.99), t->progress_data);
}

static void
ignore_result (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(JsonNode) node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, NULL);
}

static void
ignore_wait (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(JsonNode) node = xapi_task_wait_finish (XAPI_TASK (source), result, NULL);
}

/* Forgets the task (it ended and was destroyed by the wait). */
static void
drop_task (Transfer *t)
{
  if (t->task != NULL)
    g_clear_signal_handler (&t->progress_handler, t->task);
  g_clear_object (&t->task);
}

/* An import given up (cancelled) whose task finished all the same: the VM
 * it made and its disks are destroyed again, so nothing half-wanted stays. */
typedef struct {
  XapiConnection *conn;
  char           *vm;
  GPtrArray      *vbds;    /* still to look at */
  GPtrArray      *vdis;    /* to destroy */
} Undo;

static void
undo_free (Undo *u)
{
  g_object_unref (u->conn);
  g_free (u->vm);
  g_ptr_array_unref (u->vbds);
  g_ptr_array_unref (u->vdis);
  g_free (u);
}

static void undo_next (Undo *u);

static void
undo_step_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Undo *u = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (u->conn, result, &error);

  if (error != NULL)
    g_debug ("removing an abandoned import: %s", error->message);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      /* a VBD record: keep its disk */
      JsonObject *vbd = json_node_get_object (node);
      const char *vdi = json_object_has_member (vbd, "VDI") ? json_object_get_string_member (vbd, "VDI") : NULL;
      const char *type = json_object_has_member (vbd, "type") ? json_object_get_string_member (vbd, "type") : NULL;

      if (vdi != NULL && g_strcmp0 (vdi, "OpaqueRef:NULL") != 0 && g_strcmp0 (type, "Disk") == 0)
        g_ptr_array_add (u->vdis, g_strdup (vdi));
    }
  else if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      /* VM.get_VBDs */
      JsonArray *a = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (u->vbds, g_strdup (json_array_get_string_element (a, i)));
    }
  undo_next (u);
}

static void
undo_next (Undo *u)
{
  JsonArray *p = json_array_new ();

  if (u->vbds->len > 0)
    {
      g_autofree char *vbd = g_ptr_array_steal_index (u->vbds, u->vbds->len - 1);

      json_array_add_string_element (p, vbd);
      xapi_connection_call_async (u->conn, "VBD.get_record", p, NULL, undo_step_done, u);
    }
  else if (u->vdis->len > 0)
    {
      g_autofree char *vdi = g_ptr_array_steal_index (u->vdis, u->vdis->len - 1);

      json_array_add_string_element (p, vdi);
      xapi_connection_call_async (u->conn, "VDI.destroy", p, NULL, undo_step_done, u);
    }
  else if (u->vm != NULL)
    {
      g_autofree char *vm = g_steal_pointer (&u->vm);

      json_array_add_string_element (p, vm);
      xapi_connection_call_async (u->conn, "VM.destroy", p, NULL, undo_step_done, u);
    }
  else
    {
      json_array_unref (p);
      undo_free (u);
    }
}

static void
undo_import (XapiConnection *conn,
             const char     *vm)
{
  Undo *u = g_new0 (Undo, 1);
  JsonArray *p = json_array_new ();

  u->conn = g_object_ref (conn);
  u->vm = g_strdup (vm);
  u->vbds = g_ptr_array_new_with_free_func (g_free);
  u->vdis = g_ptr_array_new_with_free_func (g_free);
  json_array_add_string_element (p, vm);
  xapi_connection_call_async (conn, "VM.get_VBDs", p, NULL, undo_step_done, u);
}

static void
on_abandoned_import_done (GObject      *source,
                          GAsyncResult *result,
                          gpointer      data)
{
  XapiConnection *conn = data;
  g_autoptr(JsonNode) node = xapi_task_wait_finish (XAPI_TASK (source), result, NULL);
  g_autofree char *vm = node != NULL ? xapi_task_result_dup_ref (node) : NULL;

  if (vm != NULL)
    undo_import (conn, vm);
  g_object_unref (conn);
}

/* Cancels the server's task when it still runs and has it destroyed once
 * it ends; an import that completes all the same is undone. */
static void
release_task (Transfer *t)
{
  if (t->task == NULL)
    return;
  g_clear_signal_handler (&t->progress_handler, t->task);
  if (xapi_task_is_pending (t->task))
    {
      JsonArray *p = json_array_new ();

      json_array_add_string_element (p, xapi_object_get_ref (XAPI_OBJECT (t->task)));
      xapi_connection_call_async (t->conn, "task.cancel", p, NULL, ignore_result, NULL);
      if (t->is_import)
        xapi_task_wait_async (t->task, TRUE, NULL, on_abandoned_import_done, g_object_ref (t->conn));
      else
        xapi_task_wait_async (t->task, TRUE, NULL, ignore_wait, NULL);
    }
  else if (t->is_import && xapi_task_get_status (t->task) == XAPI_TASK_STATUS_TYPE_SUCCESS)
    {
      /* it succeeded as the transfer was given up (a cancelled wait
       * reports the cancel, not the result): undo it */
      g_autoptr(JsonNode) node = xapi_task_decode_result (xapi_task_get_result (t->task), NULL);
      g_autofree char *vm = node != NULL ? xapi_task_result_dup_ref (node) : NULL;

      if (vm != NULL)
        undo_import (t->conn, vm);
      xapi_task_wait_async (t->task, TRUE, NULL, ignore_wait, NULL);   /* destroys it */
    }
  g_clear_object (&t->task);
}

/* Ends the transfer with @error: the stream is dropped, the partial file
 * deleted, the server's task cancelled. */
static void
fail_return (GTask *gtask)
{
  Transfer *t = g_task_get_task_data (gtask);

  g_task_return_error (gtask, g_steal_pointer (&t->failure));
  g_object_unref (gtask);
}

static void
on_fail_deleted (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  g_autoptr(GError) error = NULL;

  if (!g_file_delete_finish (G_FILE (source), result, &error) && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    /* Translators: the first %s is a file path, the second the system's reason; the message continues with the transfer's own error */
    g_prefix_error (&t->failure, _("The partial file %s could not be removed (%s). "), g_file_peek_path (t->tmp),
                    error->message);
  g_clear_object (&t->tmp);
  fail_return (gtask);
}

static void
fail_delete (GTask *gtask)
{
  Transfer *t = g_task_get_task_data (gtask);

  if (t->tmp == NULL)
    {
      fail_return (gtask);
      return;
    }
  g_file_delete_async (t->tmp, G_PRIORITY_DEFAULT, NULL, on_fail_deleted, gtask);
}

static void
on_fail_closed (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);

  g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, NULL);
  g_clear_object (&t->out);
  fail_delete (gtask);
}

/* Ends the transfer with @error (taken): the stream is dropped, the server's
 * task cancelled, the partial file closed and deleted, then @error is
 * returned. */
static void
transfer_fail (GTask  *gtask,
               GError *error)
{
  Transfer *t = g_task_get_task_data (gtask);

  if (t->session != NULL)
    soup_session_abort (t->session);
  g_clear_object (&t->in);
  release_task (t);
  g_clear_error (&t->failure);
  t->failure = error;
  if (t->out != NULL)
    g_output_stream_close_async (t->out, G_PRIORITY_DEFAULT, NULL, on_fail_closed, gtask);
  else
    fail_delete (gtask);
}

/* Moves the checked file into place and returns. */
static void
on_moved (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;

  if (!g_file_move_finish (G_FILE (source), result, &error))
    {
      transfer_fail (gtask, error);
      return;
    }
  g_clear_object (&t->tmp);
  g_task_return_boolean (gtask, TRUE);
  g_object_unref (gtask);
}

static void
move_into_place (GTask *gtask)
{
  Transfer *t = g_task_get_task_data (gtask);

  g_file_move_async (t->tmp, t->dest, G_FILE_COPY_OVERWRITE | G_FILE_COPY_NOFOLLOW_SYMLINKS, G_PRIORITY_DEFAULT,
                     g_task_get_cancellable (gtask), NULL, NULL, on_moved, gtask);
}

static void
on_progress_notify (XapiTask   *task,
                    GParamSpec *pspec,
                    Transfer   *t)
{
  report_progress (t);
}

/* accept-certificate: the certificate the connection trusts. */
static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              data)
{
  Transfer *t = data;
  g_autofree char *fp = xapi_certificate_sha256_fingerprint (certificate);
  const char *pinned = xapi_connection_get_pinned_fingerprint (t->conn);
  const char *peer = xapi_connection_get_peer_fingerprint (t->conn);

  if (fp == NULL)
    return FALSE;
  if (pinned != NULL && g_ascii_strcasecmp (pinned, fp) == 0)
    return TRUE;
  /* xapi may redirect a transfer to the pool host that sees the SR */
  if (xapi_connection_is_host_certificate (t->conn, g_uri_get_host (soup_message_get_uri (msg)), fp))
    return TRUE;
  /* the certificate the connection accepted (by the user's trust decision) */
  return peer != NULL && xapi_connection_get_state (t->conn) == XAPI_CONNECTION_STATE_CONNECTED
         && g_ascii_strcasecmp (peer, fp) == 0;
}

static SoupMessage *
build_message (Transfer   *t,
               const char *method,
               const char *path,
               ...) G_GNUC_NULL_TERMINATED;

/* @...: name/value pairs of the query after session_id and task_id. */
static SoupMessage *
build_message (Transfer   *t,
               const char *method,
               const char *path,
               ...)
{
  GString *uri = g_string_new (xapi_connection_get_uri (t->conn));
  const char *session = xapi_connection_get_session_ref (t->conn);
  SoupMessage *msg;
  va_list ap;
  const char *k;

  while (uri->len > 0 && uri->str[uri->len - 1] == '/')
    g_string_truncate (uri, uri->len - 1);
  g_string_append (uri, path);
  g_string_append (uri, "?session_id=");
  g_string_append_uri_escaped (uri, session != NULL ? session : "", NULL, FALSE);
  g_string_append (uri, "&task_id=");
  g_string_append_uri_escaped (uri, xapi_object_get_ref (XAPI_OBJECT (t->task)), NULL, FALSE);
  va_start (ap, path);
  while ((k = va_arg (ap, const char *)) != NULL)
    {
      const char *v = va_arg (ap, const char *);
      if (v == NULL)
        continue;
      g_string_append_printf (uri, "&%s=", k);
      g_string_append_uri_escaped (uri, v, NULL, FALSE);
    }
  va_end (ap);
  msg = soup_message_new (method, uri->str);
  explicit_bzero (uri->str, uri->len);   /* it holds the session */
  g_string_free (uri, TRUE);
  if (msg != NULL)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), t);
  return msg;
}

static void
session_new (Transfer *t)
{
  t->session = soup_session_new_with_options ("timeout", 0,
                                              "idle-timeout", 0,
                                              "user-agent", "XenPools/" PACKAGE_VERSION " ",
                                              NULL);
  /* every certificate goes through the pin (see xapi-rpc.c) */
  soup_session_set_tls_database (t->session, NULL);
}

/* The task object for @ref, from the cache or made on the spot (its add
 * event may come later). */
static XapiTask *
task_object (XapiConnection *conn,
             const char     *ref)
{
  XapiCache *cache = xapi_connection_get_cache (conn);
  XapiObject *object = xapi_cache_lookup (cache, ref);

  if (object == NULL)
    {
      object = g_object_new (XAPI_TYPE_TASK, "ref", ref, "connection", conn, NULL);
      _xapi_cache_insert (cache, object);
      g_object_unref (object);
    }
  return XAPI_TASK (g_object_ref (object));
}

static void start_request (GTask *gtask);

static void
on_task_created (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (t->conn, result, &error);

  if (node == NULL)
    {
      transfer_fail (gtask, error);
      return;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      transfer_fail (gtask, g_error_new_literal (XAPI_ERROR, XAPI_ERROR_PROTOCOL, "task.create returned no task"));
      return;
    }
  t->task = task_object (t->conn, json_node_get_string (node));
  if (t->vm_ref != NULL)
    _xapi_task_set_target_ref (t->task, t->vm_ref);
  t->progress_handler = g_signal_connect (t->task, "notify::progress", G_CALLBACK (on_progress_notify), t);
  if (g_cancellable_is_cancelled (g_task_get_cancellable (gtask)))
    {
      /* nothing was sent: only the task and the empty file to clean up */
      transfer_fail (gtask, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"));
      return;
    }
  start_request (gtask);
}

static void
create_task (GTask *gtask)
{
  Transfer *t = g_task_get_task_data (gtask);
  JsonArray *p = json_array_new ();

  json_array_add_string_element (p, t->label);
  json_array_add_string_element (p, "");
  xapi_connection_call_async (t->conn, "task.create", p, NULL, on_task_created, gtask);
}

/* ---- a refused request: the reason is on the task */

static gboolean
refusal_timeout (gpointer data)
{
  Transfer *t = data;

  t->refusal_timer = 0;
  g_cancellable_cancel (t->refusal_wait);
  return G_SOURCE_REMOVE;
}

static void
on_refusal_task_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;
  g_autoptr(JsonNode) node = xapi_task_wait_finish (XAPI_TASK (source), result, &error);
  guint status = soup_message_get_status (t->msg);

  g_clear_handle_id (&t->refusal_timer, g_source_remove);
  if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      /* Translators: %u is an HTTP status code, %s its English reason phrase */
      error = g_error_new (XAPI_TRANSFER_ERROR, XAPI_TRANSFER_ERROR_HTTP, _("The server answered %u %s"), status,
                           soup_message_get_reason_phrase (t->msg) ? soup_message_get_reason_phrase (t->msg) : "");
    }
  else
    drop_task (t);   /* it ended and was destroyed */
  transfer_fail (gtask, error);
}

static void
handle_refusal (GTask *gtask)
{
  Transfer *t = g_task_get_task_data (gtask);
  guint status = soup_message_get_status (t->msg);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    {
      transfer_fail (gtask, g_error_new_literal (XAPI_ERROR, XAPI_ERROR_SESSION_INVALID,
                                                 _("The server refused the session (401 Unauthorized); log in again.")));
      return;
    }
  g_clear_object (&t->in);
  t->refusal_wait = g_cancellable_new ();
  t->refusal_timer = g_timeout_add (REFUSAL_WAIT_MS, refusal_timeout, t);
  xapi_task_wait_async (t->task, TRUE, t->refusal_wait, on_refusal_task_done, gtask);
}

/* ---- export */

static void read_next (GTask *gtask);

static void
on_export_verified (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  GTask *gtask = data;
  GError *error = NULL;
  g_autoptr(XapiXvaInfo) info = xapi_xva_verify_finish (result, &error);

  if (info == NULL)
    {
      transfer_fail (gtask, error);
      return;
    }
  move_into_place (gtask);
}

static void
on_export_task_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;
  g_autoptr(JsonNode) node = xapi_task_wait_finish (XAPI_TASK (source), result, &error);

  if (node == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        drop_task (t);   /* it failed on the server and was destroyed */
      transfer_fail (gtask, error);
      return;
    }
  drop_task (t);
  if (t->verify)
    {
      /* all received: 1.0 tells the caller that the check runs now */
      if (t->progress != NULL)
        t->progress (t->bytes, 1.0, t->progress_data);
      xapi_xva_verify_async (t->tmp, g_task_get_cancellable (gtask), on_export_verified, gtask);
      return;
    }
  move_into_place (gtask);
}

static void
on_export_closed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, &error))
    {
      transfer_fail (gtask, error);
      return;
    }
  g_clear_object (&t->out);
  /* the stream ended: the task says whether it was all of it */
  xapi_task_wait_async (t->task, TRUE, g_task_get_cancellable (gtask), on_export_task_done, gtask);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &error))
    {
      transfer_fail (gtask, error);
      return;
    }
  t->bytes += written;
  report_progress (t);
  read_next (gtask);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes == NULL)
    {
      transfer_fail (gtask, error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      g_clear_object (&t->in);
      g_output_stream_close_async (t->out, G_PRIORITY_DEFAULT, g_task_get_cancellable (gtask), on_export_closed, gtask);
      return;
    }
  g_output_stream_write_all_async (t->out, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_PRIORITY_DEFAULT, g_task_get_cancellable (gtask), on_written, gtask);
  /* write_all_async does not keep the buffer alive */
  g_object_set_data_full (G_OBJECT (gtask), "xapi-transfer-buffer", g_steal_pointer (&bytes),
                          (GDestroyNotify) g_bytes_unref);
}

static void
read_next (GTask *gtask)
{
  Transfer *t = g_task_get_task_data (gtask);

  g_input_stream_read_bytes_async (t->in, READ_SIZE, G_PRIORITY_DEFAULT, g_task_get_cancellable (gtask), on_read,
                                   gtask);
}

/* The head of the server's answer: TRUE when it accepted the transfer,
 * else the task has failed (with the server's reason when it gave one). */
static gboolean
take_response (GTask        *gtask,
               GObject      *source,
               GAsyncResult *result)
{
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;

  t->in = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (t->in == NULL)
    {
      transfer_fail (gtask, error);
      return FALSE;
    }
  if (soup_message_get_status (t->msg) != SOUP_STATUS_OK)
    {
      handle_refusal (gtask);
      return FALSE;
    }
  return TRUE;
}

static void
on_export_response (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  if (take_response (data, source, result))
    read_next (data);
}

/* ---- import */

static void
on_import_task_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;
  g_autoptr(JsonNode) node = xapi_task_wait_finish (XAPI_TASK (source), result, &error);
  g_autofree char *ref = NULL;

  if (node == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        drop_task (t);
      transfer_fail (gtask, error);
      return;
    }
  drop_task (t);
  ref = xapi_task_result_dup_ref (node);
  if (ref == NULL)
    {
      transfer_fail (gtask, g_error_new_literal (XAPI_ERROR, XAPI_ERROR_PROTOCOL,
                                                 _("The import finished without naming the new VM")));
      return;
    }
  g_task_return_pointer (gtask, g_steal_pointer (&ref), g_free);
  g_object_unref (gtask);
}

static void
on_import_body_read (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes == NULL)
    {
      transfer_fail (gtask, error);
      return;
    }
  if (g_bytes_get_size (bytes) > 0)
    {
      g_input_stream_read_bytes_async (t->in, 4096, G_PRIORITY_DEFAULT, g_task_get_cancellable (gtask),
                                       on_import_body_read, gtask);
      return;
    }
  g_clear_object (&t->in);
  xapi_task_wait_async (t->task, TRUE, g_task_get_cancellable (gtask), on_import_task_done, gtask);
}

static void
on_import_response (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);

  if (!take_response (gtask, source, result))
    return;
  g_input_stream_read_bytes_async (t->in, 4096, G_PRIORITY_DEFAULT, g_task_get_cancellable (gtask),
                                   on_import_body_read, gtask);
}

static void
on_wrote_body_data (SoupMessage *msg,
                    guint        chunk_size,
                    Transfer    *t)
{
  t->bytes += chunk_size;
  report_progress (t);
}

static void
start_request (GTask *gtask)
{
  Transfer *t = g_task_get_task_data (gtask);
  static const char *const compressions[] = { "false", "gzip", "zstd" };

  session_new (t);
  if (t->is_import)
    t->msg = build_message (t, SOUP_METHOD_PUT, "/import", "sr_id", t->sr_ref, NULL);
  else
    t->msg = build_message (t, SOUP_METHOD_GET, "/export", "ref", t->vm_ref,
                            "use_compression", compressions[t->compression], NULL);
  if (t->msg == NULL)
    {
      /* Translators: %s is the server's address (URL) as entered */
      transfer_fail (gtask, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Invalid server address %s"),
                                         xapi_connection_get_uri (t->conn)));
      return;
    }
  if (t->is_import)
    {
      /* xapi refuses chunked uploads: the length is the file's */
      soup_message_set_request_body (t->msg, "application/octet-stream", t->in, t->size);
      g_clear_object (&t->in);
      g_signal_connect (t->msg, "wrote-body-data", G_CALLBACK (on_wrote_body_data), t);
    }
  soup_session_send_async (t->session, t->msg, G_PRIORITY_DEFAULT, g_task_get_cancellable (gtask),
                           t->is_import ? on_import_response : on_export_response, gtask);
}

/* ---- starting */

static void
on_tmp_created (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;
  GFileOutputStream *out = g_file_create_finish (G_FILE (source), result, &error);

  if (out == NULL)
    {
      g_clear_object (&t->tmp);   /* not ours */
      transfer_fail (gtask, error);
      return;
    }
  t->out = G_OUTPUT_STREAM (out);
  create_task (gtask);
}

void
xapi_export_vm_async (XapiConnection          *connection,
                      const char              *vm_ref,
                      const char              *label,
                      XapiXvaCompression       compression,
                      GFile                   *destination,
                      gboolean                 verify,
                      XapiTransferProgressFunc progress,
                      gpointer                 progress_data,
                      GCancellable            *cancellable,
                      GAsyncReadyCallback      callback,
                      gpointer                 user_data)
{
  GTask *gtask;
  Transfer *t;
  g_autoptr(GFile) dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp_name = NULL;

  g_return_if_fail (XAPI_IS_CONNECTION (connection));
  g_return_if_fail (vm_ref != NULL);
  g_return_if_fail (G_IS_FILE (destination));

  gtask = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (gtask, xapi_export_vm_async);
  /* a file moved into place stays a success even if a cancel follows */
  g_task_set_check_cancellable (gtask, FALSE);
  t = g_new0 (Transfer, 1);
  t->conn = g_object_ref (connection);
  t->vm_ref = g_strdup (vm_ref);
  t->label = g_strdup (label != NULL ? label : "VM.export");
  t->compression = compression;
  t->dest = g_object_ref (destination);
  t->verify = verify;
  t->progress = progress;
  t->progress_data = progress_data;
  g_task_set_task_data (gtask, t, transfer_free);

  /* a hidden sibling, renamed over the destination at the end */
  dir = g_file_get_parent (destination);
  base = g_file_get_basename (destination);
  if (dir == NULL || base == NULL)
    {
      transfer_fail (gtask, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, _("No file name")));
      return;
    }
  tmp_name = g_strdup_printf (".%s.%08x.part", base, g_random_int ());
  t->tmp = g_file_get_child (dir, tmp_name);
  g_file_create_async (t->tmp, G_FILE_CREATE_PRIVATE, G_PRIORITY_DEFAULT, cancellable, on_tmp_created, gtask);
}

gboolean
xapi_export_vm_finish (XapiConnection  *connection,
                       GAsyncResult    *result,
                       GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connection), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_source_info (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;
  g_autoptr(GFileInfo) info = g_file_input_stream_query_info_finish (G_FILE_INPUT_STREAM (source), result, &error);

  if (info == NULL)
    {
      transfer_fail (gtask, error);
      return;
    }
  t->size = g_file_info_get_size (info);
  if (t->size <= 0)
    {
      transfer_fail (gtask, g_error_new_literal (XAPI_TRANSFER_ERROR, XAPI_TRANSFER_ERROR_DAMAGED,
                                                 _("The file is empty")));
      return;
    }
  create_task (gtask);
}

static void
on_source_read (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  GTask *gtask = data;
  Transfer *t = g_task_get_task_data (gtask);
  GError *error = NULL;
  GFileInputStream *in = g_file_read_finish (G_FILE (source), result, &error);

  if (in == NULL)
    {
      transfer_fail (gtask, error);
      return;
    }
  t->in = G_INPUT_STREAM (in);
  g_file_input_stream_query_info_async (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_PRIORITY_DEFAULT,
                                        g_task_get_cancellable (gtask), on_source_info, gtask);
}

void
xapi_import_vm_async (XapiConnection          *connection,
                      GFile                   *source,
                      const char              *sr_ref,
                      const char              *label,
                      XapiTransferProgressFunc progress,
                      gpointer                 progress_data,
                      GCancellable            *cancellable,
                      GAsyncReadyCallback      callback,
                      gpointer                 user_data)
{
  GTask *gtask;
  Transfer *t;

  g_return_if_fail (XAPI_IS_CONNECTION (connection));
  g_return_if_fail (G_IS_FILE (source));

  gtask = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (gtask, xapi_import_vm_async);
  /* a VM that was imported is reported even if a cancel follows */
  g_task_set_check_cancellable (gtask, FALSE);
  t = g_new0 (Transfer, 1);
  t->is_import = TRUE;
  t->conn = g_object_ref (connection);
  t->sr_ref = g_strdup (sr_ref);
  t->label = g_strdup (label != NULL ? label : "VM.import");
  t->source = g_object_ref (source);
  t->progress = progress;
  t->progress_data = progress_data;
  g_task_set_task_data (gtask, t, transfer_free);
  g_file_read_async (source, G_PRIORITY_DEFAULT, cancellable, on_source_read, gtask);
}

char *
xapi_import_vm_finish (XapiConnection  *connection,
                       GAsyncResult    *result,
                       GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connection), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
