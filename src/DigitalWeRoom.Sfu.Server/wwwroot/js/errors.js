// What the page says for each server error code (docs/signaling.md "Errors").
export const ERROR_TEXT = {
  'room-full': 'This room is full. Try again later or pick another room.',
  'too-many-rooms': 'The server has reached its room limit. Try again later.',
  'join-rate-limited': 'Too many joins from your network. Wait a minute and reload.',
  'server-busy': 'The room could not be joined. Please reload.',
  'unauthorized': 'This server requires a valid token for this room. Open the meeting link you were given, or ask the organiser for a new one.',
  'removed': 'You were removed from the meeting by its organiser.',
  'room-closed': 'The organiser closed this meeting.',
  'replaced': 'You joined this meeting from another tab or device, so this one left.',
  'too-many-tracks': 'You are already sharing as many tracks as this server allows.',
  'muted-by-operator': 'The organiser muted you; only they can unmute you.',
  'unsupported-codec': 'Your browser cannot play this meeting\'s video:',
  'not-allowed': 'Your invitation does not allow that.',
};
