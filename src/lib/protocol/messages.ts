import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum PeerRole {
  ROLE_UNSPECIFIED = 'ROLE_UNSPECIFIED',
  VERIFIER = 'VERIFIER',
  BROWSER = 'BROWSER',
  RELAY = 'RELAY'
}

enum __PeerRoleValues {
  ROLE_UNSPECIFIED = 0,
  VERIFIER = 1,
  BROWSER = 2,
  RELAY = 3
}

export namespace PeerRole {
  export const codec = (): Codec<PeerRole> => {
    return enumeration<PeerRole>(__PeerRoleValues)
  }
}

export interface Announcement {
  role: PeerRole
  agent: string
  model: string
  tokenizerFingerprint: string
  queueDepth: number
  capacity: number
  addresses: string[]
  sentAtMs: bigint
}

export namespace Announcement {
  let _codec: Codec<Announcement>

  export const codec = (): Codec<Announcement> => {
    if (_codec == null) {
      _codec = message<Announcement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.role != null && __PeerRoleValues[obj.role] !== 0) {
          w.uint32(8)
          PeerRole.codec().encode(obj.role, w)
        }

        if ((obj.agent != null && obj.agent !== '')) {
          w.uint32(18)
          w.string(obj.agent)
        }

        if ((obj.model != null && obj.model !== '')) {
          w.uint32(26)
          w.string(obj.model)
        }

        if ((obj.tokenizerFingerprint != null && obj.tokenizerFingerprint !== '')) {
          w.uint32(34)
          w.string(obj.tokenizerFingerprint)
        }

        if ((obj.queueDepth != null && obj.queueDepth !== 0)) {
          w.uint32(40)
          w.uint32(obj.queueDepth)
        }

        if ((obj.capacity != null && obj.capacity !== 0)) {
          w.uint32(48)
          w.uint32(obj.capacity)
        }

        if (obj.addresses != null && obj.addresses.length > 0) {
          for (const value of obj.addresses) {
            w.uint32(58)
            w.string(value)
          }
        }

        if ((obj.sentAtMs != null && obj.sentAtMs !== 0n)) {
          w.uint32(64)
          w.uint64(obj.sentAtMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          role: PeerRole.ROLE_UNSPECIFIED,
          agent: '',
          model: '',
          tokenizerFingerprint: '',
          queueDepth: 0,
          capacity: 0,
          addresses: [],
          sentAtMs: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.role = PeerRole.codec().decode(reader)
              break
            }
            case 2: {
              obj.agent = reader.string()
              break
            }
            case 3: {
              obj.model = reader.string()
              break
            }
            case 4: {
              obj.tokenizerFingerprint = reader.string()
              break
            }
            case 5: {
              obj.queueDepth = reader.uint32()
              break
            }
            case 6: {
              obj.capacity = reader.uint32()
              break
            }
            case 7: {
              if (opts.limits?.addresses != null && obj.addresses.length === opts.limits.addresses) {
                throw new MaxLengthError('Decode error - repeated field "addresses" had too many elements')
              }

              obj.addresses.push(reader.string())
              break
            }
            case 8: {
              obj.sentAtMs = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addresses: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.role`,
                value: PeerRole.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.agent`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.model`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.tokenizerFingerprint`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.queueDepth`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              if (opts.limits?.addresses != null && obj.addresses === opts.limits.addresses) {
                throw new MaxLengthError('Streaming decode error - repeated field "addresses" had too many elements')
              }

              yield {
                field: `${prefix}.addresses[]`,
                index: obj.addresses,
                value: reader.string()
              }

              obj.addresses++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.sentAtMs`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AnnouncementRoleFieldEvent {
    field: '$.role'
    value: PeerRole
  }

  export interface AnnouncementAgentFieldEvent {
    field: '$.agent'
    value: string
  }

  export interface AnnouncementModelFieldEvent {
    field: '$.model'
    value: string
  }

  export interface AnnouncementTokenizerFingerprintFieldEvent {
    field: '$.tokenizerFingerprint'
    value: string
  }

  export interface AnnouncementQueueDepthFieldEvent {
    field: '$.queueDepth'
    value: number
  }

  export interface AnnouncementCapacityFieldEvent {
    field: '$.capacity'
    value: number
  }

  export interface AnnouncementAddressesFieldEvent {
    field: '$.addresses[]'
    index: number
    value: string
  }

  export interface AnnouncementSentAtMsFieldEvent {
    field: '$.sentAtMs'
    value: bigint
  }

  export function encode (obj: Partial<Announcement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Announcement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Announcement>): Announcement {
    return decodeMessage(buf, Announcement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Announcement>): Generator<AnnouncementRoleFieldEvent | AnnouncementAgentFieldEvent | AnnouncementModelFieldEvent | AnnouncementTokenizerFingerprintFieldEvent | AnnouncementQueueDepthFieldEvent | AnnouncementCapacityFieldEvent | AnnouncementAddressesFieldEvent | AnnouncementSentAtMsFieldEvent> {
    return streamMessage(buf, Announcement.codec(), opts)
  }
}
