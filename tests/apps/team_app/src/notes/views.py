"""The notes page: the list, a fuzzy search over titles, and a form to add one."""

from django.contrib import messages
from django.shortcuts import redirect, render
from rapidfuzz import fuzz, process

from notes.forms import NoteForm
from notes.models import Note


def home(request):
    if request.method == "POST":
        form = NoteForm(request.POST)
        if form.is_valid():
            form.save()
            messages.success(request, "added")
            return redirect("home")
    else:
        form = NoteForm()
    notes = list(Note.objects.order_by("-created_at")[:50])
    query = request.GET.get("q", "")
    if query:
        titles = {note.pk: note.title for note in notes}
        best = process.extract(query, titles, scorer=fuzz.WRatio, limit=10)
        notes = [note for note in notes if note.pk in {key for _, _, key in best}]
    return render(request, "notes/home.html", {"notes": notes, "form": form, "query": query})
