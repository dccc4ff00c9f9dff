/**
 * The admin front end's bodies as WeChat's, field by field: only the fields WeChat documents go
 * out, so whatever else the front end sends (the appid, a category row's local id) stays here.
 */

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export interface SubmitAuditBody {
  itemList?: Array<Json | null>;
  previewInfo?: Json;
  versionDesc?: string;
  feedbackInfo?: string;
  feedbackStuff?: string;
  ugcDeclare?: Json;
}

const ITEM_FIELDS: Record<string, string> = {
  address: 'address',
  tag: 'tag',
  firstClass: 'first_class',
  secondClass: 'second_class',
  thirdClass: 'third_class',
  firstId: 'first_id',
  secondId: 'second_id',
  thirdId: 'third_id',
  title: 'title',
};

function auditItem(item: Json): Json {
  return defined(Object.fromEntries(Object.entries(ITEM_FIELDS).map(([from, to]) => [to, item[from]])));
}

/** /wxa/submit_audit. An empty slot in itemList (a category the form left unchosen) is dropped; no itemList, none is sent. */
export function submitAuditBody(body: SubmitAuditBody): Json {
  const preview = obj(body.previewInfo);
  const ugc = obj(body.ugcDeclare);
  return defined({
    item_list: body.itemList?.filter((i): i is Json => i !== null && typeof i === 'object').map(auditItem),
    preview_info: body.previewInfo === undefined ? undefined : defined({ video_id_list: preview.videoIdList, pic_id_list: preview.picIdList }),
    version_desc: body.versionDesc,
    feedback_info: body.feedbackInfo,
    feedback_stuff: body.feedbackStuff,
    ugc_declare: body.ugcDeclare === undefined ? undefined : defined({ scene: ugc.scene, other_scene_desc: ugc.otherSceneDesc, method: ugc.method, has_audit_team: ugc.hasAuditTeam, audit_desc: ugc.auditDesc }),
  });
}

/** /wxa/commit. */
export function commitBody(body: Json): Json {
  return defined({ template_id: body.templateId, ext_json: body.extJson, user_version: body.userVersion, user_desc: body.userDesc });
}

export interface AuditInfo {
  auditId: number;
  status: number;
  reason: string;
  screenShot: string;
  userVersion: string;
  userDesc: string;
  submitAuditTime: number;
}

/** /wxa/get_latest_auditstatus in the names the version page reads (`auditid` → auditId, `ScreenShot` → screenShot). */
export function auditInfoOf(answer: Json): AuditInfo {
  return {
    auditId: Number(answer.auditid ?? 0),
    status: Number(answer.status ?? 0),
    reason: String(answer.reason ?? ''),
    screenShot: String(answer.ScreenShot ?? answer.screenshot ?? ''),
    userVersion: String(answer.user_version ?? ''),
    userDesc: String(answer.user_desc ?? ''),
    submitAuditTime: Number(answer.submit_audit_time ?? 0),
  };
}
