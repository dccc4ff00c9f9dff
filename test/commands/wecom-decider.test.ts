import { directoryDecider } from '../../src/commands/wecom/directory-decider';
import { memberDecider, type MemberRecord } from '../../src/commands/wecom/member-decider';
import { messageDecider } from '../../src/commands/wecom/message-decider';
import type { DirectoryEvent, MessageEvent } from '../../src/commands/wecom/events';
import type { IdentityEvent } from '../../src/commands/identity/events';
import { deciderSpec } from '../support/decider-spec';

const now = new Date('2026-01-01T00:00:00.000Z');
const at = now.toISOString();

describe('wecom: the directory', () => {
  const spec = deciderSpec(directoryDecider);
  const added = (id: number, name: string, parentId = 1, order = 1): DirectoryEvent => ({ type: 'DepartmentAdded', data: { id, name, parentId, order, at } });

  it('given two departments, when WeCom lists one renamed, one moved and one new, and omits none, then exactly those changes', () => {
    spec
      .given(added(1, '总部', 0), added(2, '研发部'))
      .when({ type: 'SyncDepartments', departments: [{ id: 1, name: '总部', parentId: 0, order: 1 }, { id: 2, name: '研发中心', parentId: 1, order: 5 }, { id: 3, name: '市场部', parentId: 1, order: 2 }], now })
      .then(
        { type: 'DepartmentRenamed', data: { id: 2, name: '研发中心', previousName: '研发部', at } },
        { type: 'DepartmentMoved', data: { id: 2, parentId: 1, order: 5, at } },
        added(3, '市场部', 1, 2),
      );
  });

  it('given departments, when WeCom lists the same again, then nothing; when it omits one, then it is removed', () => {
    const history = [added(1, '总部', 0), added(2, '研发部')];
    spec.given(...history).when({ type: 'SyncDepartments', departments: [{ id: 1, name: '总部', parentId: 0, order: 1 }, { id: 2, name: '研发部', parentId: 1, order: 1 }], now }).then();
    spec.given(...history).when({ type: 'SyncDepartments', departments: [{ id: 1, name: '总部', parentId: 0, order: 1 }], now }).then({ type: 'DepartmentRemoved', data: { id: 2, name: '研发部', at } });
  });

  it('given a roster, when members are reconciled, then the gone leave and the new join', () => {
    spec
      .given({ type: 'WecomMemberJoined', data: { wecomUserId: 'a', userId: 'u1', at } }, { type: 'WecomMemberJoined', data: { wecomUserId: 'b', userId: 'u2', at } })
      .when({ type: 'ReconcileMembers', active: { a: 'u1', c: 'u3' }, now })
      .then({ type: 'WecomMemberLeft', data: { wecomUserId: 'b', userId: 'u2', at } }, { type: 'WecomMemberJoined', data: { wecomUserId: 'c', userId: 'u3', at } });
  });
});

describe('wecom: a member on the user stream', () => {
  const spec = deciderSpec(memberDecider);
  const registered = (builtin = false): IdentityEvent => ({
    type: 'UserRegistered',
    data: { userId: 'u1', account: 'zhangsan', name: '张三', mobile: null, email: null, headImg: null, tenantId: null, builtin, roles: ['user'], sealedPasswordMd5: 'x', registeredAt: at },
  });
  const member = (over: Partial<MemberRecord> = {}): MemberRecord => ({ wecomUserId: 'zhangsan', name: '张三', mobile: null, email: null, headImg: null, departments: [2], ...over });
  const linked: IdentityEvent = { type: 'UserWecomLinked', data: { userId: 'u1', wecomUserId: 'zhangsan', departments: [2], at } };

  it('given a new user, when first synced, then linked with their departments; synced again unchanged, then nothing', () => {
    spec.given(registered()).when({ type: 'SyncWecomMember', member: member(), now }).then(linked);
    spec.given(registered(), linked).when({ type: 'SyncWecomMember', member: member({ departments: [2] }), now }).then();
  });

  it('given a linked member, when WeCom shows new departments and a new name, then departments changed and profile updated', () => {
    spec
      .given(registered(), linked)
      .when({ type: 'SyncWecomMember', member: member({ name: '张三丰', departments: [3, 2] }), now })
      .then(
        { type: 'UserDepartmentsChanged', data: { userId: 'u1', departments: [2, 3], at } },
        { type: 'UserProfileUpdated', data: { userId: 'u1', name: '张三丰', mobile: null, email: null, headImg: null, at } },
      );
  });

  it('given a linked member, when unlinked, then unlinked and disabled; when back, then linked and enabled again', () => {
    const unlinked: IdentityEvent = { type: 'UserWecomUnlinked', data: { userId: 'u1', wecomUserId: 'zhangsan', at } };
    const disabled: IdentityEvent = { type: 'UserDisabled', data: { userId: 'u1', at } };
    spec.given(registered(), linked).when({ type: 'UnlinkWecomMember', wecomUserId: 'zhangsan', now }).then(unlinked, disabled);
    spec.given(registered(), linked, unlinked, disabled).when({ type: 'UnlinkWecomMember', wecomUserId: 'zhangsan', now }).then();
    spec.given(registered(), linked, unlinked, disabled).when({ type: 'SyncWecomMember', member: member(), now }).then(linked, { type: 'UserEnabled', data: { userId: 'u1', at } });
  });

  it('given a user an administrator had disabled before they left WeCom, when they come back, then they stay disabled', () => {
    const disabled: IdentityEvent = { type: 'UserDisabled', data: { userId: 'u1', at } };
    spec.given(registered(), linked, disabled, { type: 'UserWecomUnlinked', data: { userId: 'u1', wecomUserId: 'zhangsan', at } }).when({ type: 'SyncWecomMember', member: member(), now }).then(linked);
  });

  it('given a built-in user, when a WeCom member of that name is synced, then refused', () => {
    spec.given(registered(true)).when({ type: 'SyncWecomMember', member: member(), now }).thenRefused('forbidden');
  });
});

describe('wecom: a message', () => {
  const spec = deciderSpec(messageDecider);
  const queued: MessageEvent = { type: 'WecomMessageQueued', data: { messageId: 'm1', userId: 'u1', username: 'zhangsan', wecomUserId: 'zhangsan', text: 'hi', at } };

  it('given a queued message, when sent, then recorded once; a retried job recording again adds nothing', () => {
    const sent: MessageEvent = { type: 'WecomMessageSent', data: { messageId: 'm1', attempts: 2, msgid: 'x', at } };
    spec.given(queued).when({ type: 'RecordSent', attempts: 2, msgid: 'x', now }).then(sent);
    spec.given(queued, sent).when({ type: 'RecordFailed', attempts: 3, errcode: 45009, reason: 'r', now }).then();
  });
});
