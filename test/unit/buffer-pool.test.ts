import { describe, expect, test } from 'bun:test'
import { BufferPool } from '../../src/buffer-pool'
import { BodyBuffer } from '../../src/ingest/body/body-buffer'

describe('buffer pool', () => {
  test('gives back buffers of its size only, up to maxIdle, and hands them out again', () => {
    const pool = new BufferPool(4096, 2)
    const [a, b, c] = [pool.take(), pool.take(), pool.take()]
    pool.give(a)
    pool.give(b)
    pool.give(c) // beyond maxIdle: dropped
    pool.give(new Uint8Array(100)) // another size: dropped
    expect(pool.idleCount).toBe(2)
    expect([pool.take(), pool.take()]).toEqual([b, a])
    expect(pool.idleCount).toBe(0)
  })

  test('a large body takes one whole pooled buffer, keeps its bytes across the move, and returns it once', () => {
    const max = 4 * 1024 * 1024
    const pool = new BufferPool(max, 4)
    const allocated: number[] = []
    const body = new BodyBuffer(1024, max, (bytes) => allocated.push(bytes), pool)
    const piece = new Uint8Array(300 * 1024).map((_, i) => i % 251)
    for (let i = 0; i < 8; i++) expect(body.append(piece)).toBe(true)
    expect(body.bytes.byteLength).toBe(max)
    expect(body.view()).toEqual(new Uint8Array(8 * piece.length).map((_, i) => (i % piece.length) % 251))
    // What the budget was told adds up to what is held.
    expect(allocated.reduce((a, b) => a + b, 0)).toBe(max)
    body.release()
    body.release()
    expect(pool.idleCount).toBe(1)
  })

  test('a small body never touches the pool', () => {
    const pool = new BufferPool(4 * 1024 * 1024, 4)
    const body = new BodyBuffer(1024, 4 * 1024 * 1024, undefined, pool)
    body.append(new Uint8Array(5000))
    body.release()
    expect(pool.idleCount).toBe(0)
  })
})
