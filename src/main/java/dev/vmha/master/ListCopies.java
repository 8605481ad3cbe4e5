package dev.vmha.master;

import dev.vmha.Failures;
import dev.vmha.datastore.Datastore;
import dev.vmha.datastore.ProtectedList;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;

/** The protected list's copies on several datastores, read or written as one: each datastore's failure named. */
final class ListCopies {
  private ListCopies() {}

  /** The newest readable copy, and the datastores that failed. */
  static CompletionStage<MasterInput.ListRead> read(List<Datastore> datastores) {
    return all(datastores, Datastore::readProtectedList, (answers, failures) -> new MasterInput.ListRead(
        answers.stream().flatMap(Optional::stream).reduce((a, b) -> b.version() > a.version() ? b : a), failures));
  }

  /** The list written to every one of {@code datastores}; completes when all have answered. */
  static CompletionStage<MasterInput.ListWritten> write(List<Datastore> datastores, ProtectedList list) {
    return all(datastores, d -> d.writeProtectedList(list),
        (answers, failures) -> new MasterInput.ListWritten(list.version(), datastores.size(), failures));
  }

  private static <T, R> CompletionStage<R> all(
      List<Datastore> datastores, Function<Datastore, CompletionStage<T>> call,
      BiFunction<List<T>, List<String>, R> result) {
    List<CompletableFuture<T>> calls = datastores.stream().map(d -> call.apply(d).toCompletableFuture()).toList();
    return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).handle((x, e) -> {
      List<T> answers = new ArrayList<>();
      List<String> failures = new ArrayList<>();
      for (int i = 0; i < calls.size(); i++) {
        try {
          answers.add(calls.get(i).join());
        } catch (RuntimeException err) {
          failures.add(datastores.get(i).name() + ": " + Failures.rootMessage(err));
        }
      }
      return result.apply(answers, failures);
    });
  }
}
