import { openContent } from '../../commands/files/content-store';
import { DomainError } from '../../commands/domain-error';
import type { FileFacts } from '../../commands/files/events';
import { uploadFile } from '../../commands/files/handler';
import { THUMBNAIL_WIDTH } from '../../commands/files/thumbnail';
import { findFile } from '../../projections/files/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { laravelEnvelope } from '../envelopes/laravel';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type JsonSchema, type Route, type RouteContext } from '../route';
import { laravelActor, laravelUser } from './session';

/** Room for the text fields and part headers around the file itself. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

const text = (maxLength: number, description: string): JsonSchema => ({ type: 'string', maxLength, description });

const fileSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'tag', 'title', 'comment', 'name', 'mime', 'size'],
  properties: {
    id: { type: 'string', pattern: '^[0-9a-f]{24}$' },
    tag: { type: ['string', 'null'] },
    title: { type: ['string', 'null'] },
    comment: { type: ['string', 'null'] },
    name: { type: 'string', description: 'the uploaded file name' },
    mime: { type: 'string', description: 'the type the client declared' },
    size: { type: 'integer', description: 'bytes' },
  },
  example: { id: '58d1dea704f80a5250007ab3', tag: 'hhhtag', title: 'kkktitle', comment: 'kkkcomment', name: 'TIM截图20170317154115.png', mime: 'image/png', size: 35640 },
};

const downloadQuery: JsonSchema = {
  type: 'object',
  properties: { thumb: { type: 'integer', enum: [0, 1], description: `1: the ${THUMBNAIL_WIDTH}-px-wide thumbnail (images only)` } },
};

const downloadResponses = {
  200: { description: 'The content (or its thumbnail) as an attachment, with the declared type', mediaType: '*/*', schema: { type: 'string', format: 'binary' } },
  404: { description: '文件不存在: no file with this id (anything not shaped like an id included)' },
  422: { description: '该文件不是图片，没有缩略图: thumb=1 on a file that is not an image' },
};

/** `filename` for old clients (ASCII), `filename*` with the real name for the rest. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Uploads (multipart, fields `file, tag, title, comment`) and downloads by id; signing in is enough, as in the template. */
export function fileRoutes(deps: Dependencies): Route[] {
  const upload = defineRoute<{ body: { tag?: string; title?: string; comment?: string } }>({
    method: 'post',
    path: '/file/upload',
    summary: '上传文件',
    description:
      `multipart/form-data with the file in \`file\` (at most FILE_LIMIT_BYTES, ${deps.config.fileLimitBytes} bytes here) and optional \`tag\`, \`title\`, \`comment\`. ` +
      'The content is kept on disk under its SHA-256 (identical uploads share it); PNG, JPEG, GIF and BMP images also get a 400-px-wide thumbnail. ' +
      'The upload is recorded as a FileUploaded event. An empty file (422) or one over the limit (413) is refused before anything is written. ' +
      'The seed lists this as GET; the template serves it as POST, as a file upload must be.',
    tags: ['laravel files'],
    request: {
      multipart: {
        fields: {
          type: 'object',
          properties: { tag: text(255, 'free-form tag'), title: text(255, 'title'), comment: text(2000, 'comment') },
        },
        files: { file: { description: 'the file', required: true } },
        limitBytes: deps.config.fileLimitBytes + FORM_OVERHEAD_BYTES,
      },
    },
    responses: {
      200: { description: 'Stored', schema: fileSchema },
      413: { description: '文件不能超过 … 字节' },
      415: { description: 'The body is not multipart/form-data' },
      422: { description: 'No `file` part, an empty file, or a field too long' },
    },
    async handler(ctx) {
      const file = ctx.request.files!.file!;
      const { tag, title, comment } = ctx.request.body;
      const stored = await uploadFile(
        deps,
        { ...file, tag: tag ?? null, title: title ?? null, comment: comment ?? null },
        laravelUser(ctx),
        requestMetadata(ctx, laravelActor(ctx)),
      );
      laravelEnvelope.ok(ctx, describe(stored), { message: '上传成功' });
    },
  });

  const download = async (ctx: RouteContext<{ query: { id?: string; thumb?: number } }>, id: string | undefined) => {
    const file = id === undefined ? null : await findFile(deps, id);
    if (!file) throw new DomainError('not_found', '文件不存在');
    const thumb = ctx.state.query.thumb === 1;
    if (thumb && !file.thumbnail) {
      throw new DomainError('validation_failed', '该文件不是图片，没有缩略图', { errors: [{ in: 'query', path: 'thumb', message: '该文件不是图片，没有缩略图' }] });
    }
    const content = await openContent(deps.config.filesDir, thumb ? 'thumbnails' : 'content', file.sha256);
    if (!content) throw new DomainError('not_found', '文件内容不存在');
    ctx.status = 200;
    ctx.type = thumb ? file.thumbnail!.mime : file.mime;
    ctx.length = content.size;
    ctx.set('Content-Disposition', attachment(thumb ? `thumb_${file.name}` : file.name));
    // The declared type is the client's word: never let a browser run it as a page of ours.
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
    ctx.set('Cache-Control', 'private, max-age=86400');
    ctx.set('ETag', `"${file.sha256}${thumb ? '-thumb' : ''}"`);
    ctx.body = content.stream;
  };

  const byQuery = defineRoute<{ query: { id?: string; thumb?: number } }>({
    method: 'get',
    path: '/file',
    summary: '文件下载',
    description: 'The template\'s form: `GET /api/file?id=…&thumb=1` (also with a trailing slash).',
    tags: ['laravel files'],
    request: { query: { ...downloadQuery, properties: { id: { type: 'string', description: 'the id upload answered' }, ...(downloadQuery.properties as object) } } },
    responses: downloadResponses,
    handler: (ctx) => download(ctx, ctx.state.query.id),
  });

  const byPath = defineRoute<{ query: { thumb?: number }; params: { id: string } }>({
    method: 'get',
    path: '/file/:id',
    summary: '文件下载 (id in the path)',
    description: 'The template\'s route `file/{id?}`: the same download with the id in the path.',
    tags: ['laravel files'],
    request: { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', description: 'the id upload answered' } } }, query: downloadQuery },
    responses: downloadResponses,
    handler: (ctx) => download(ctx as unknown as RouteContext<{ query: { id?: string; thumb?: number } }>, ctx.params.id),
  });

  return [upload, byQuery, byPath];
}

function describe(file: FileFacts) {
  return { id: file.fileId, tag: file.tag, title: file.title, comment: file.comment, name: file.name, mime: file.mime, size: file.size };
}
