import { describe, expect, it } from 'vitest';

import { outsideLink } from './mediaLink';

describe('an outside media link', () => {
  it('keeps an https link and names the host that serves it', () => {
    expect(outsideLink('https://fotos.app-veinal.example.com/avisos/8812.jpg?mida=gran')).toEqual({
      href: 'https://fotos.app-veinal.example.com/avisos/8812.jpg?mida=gran',
      host: 'fotos.app-veinal.example.com',
    });
  });

  it('keeps a plain http link', () => {
    expect(outsideLink('http://example.org/f.png')?.host).toBe('example.org');
  });

  it('is absent when the entry has no link', () => {
    expect(outsideLink(null)).toBeNull();
    expect(outsideLink(undefined)).toBeNull();
    expect(outsideLink('')).toBeNull();
  });

  it.each([
    ['a script', 'javascript:alert(1)'],
    ['inline data', 'data:image/png;base64,iVBORw0KGgo='],
    ['a file on the staff computer', 'file:///C:/Users/agent/foto.jpg'],
    ['a link with credentials', 'https://user:secret@example.org/foto.jpg'],
    ['a link with a user name', 'https://user@example.org/foto.jpg'],
    ['a relative path', '/api/desk/v1/requests'],
    ['text that is no link', 'foto del fanal'],
  ])('is refused for %s', (_, url) => {
    expect(outsideLink(url)).toBeNull();
  });

  it('shows a look-alike international host in its ASCII form', () => {
    expect(outsideLink('https://аjuntament.example/foto.jpg')?.host).toBe('xn--juntament-zyh.example');
  });
});
