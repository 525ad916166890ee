"""What the meetings API renders: JSON shapes of its records, room exports, printed forms (HTML, PDF), QR codes."""
