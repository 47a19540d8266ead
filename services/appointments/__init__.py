"""The appointments service: home, video and office visits, bookable slots and reminders."""
