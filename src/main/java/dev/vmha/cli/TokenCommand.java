package dev.vmha.cli;

import dev.vmha.api.ApiRole;
import dev.vmha.api.ApiTokens;
import dev.vmha.api.TokenFiles;
import dev.vmha.config.HaSettings;
import dev.vmha.config.SettingsException;
import java.io.File;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The API tokens an agent accepts (docs/SECURITY.md): add prints a new secret once; only its hash is kept. */
@Command(name = "token", description = "Manage the HTTP API's tokens (vmha.api.tokens-file).",
    subcommands = {TokenCommand.Add.class, TokenCommand.List.class, TokenCommand.Remove.class})
final class TokenCommand extends CommandGroup {
  /** Which tokens file: a host's setting, or a path. */
  static final class Where {
    @ArgGroup(multiplicity = "1")
    Choice choice;

    static final class Choice {
      @Option(names = "--config", description = "A host's HOCON file: its vmha.api.tokens-file.")
      File config;

      @Option(names = "--file", description = "The tokens file itself.")
      Path file;
    }

    Path file() {
      return choice.file != null ? choice.file : HaSettings.load(choice.config).api().tokensFile();
    }
  }

  /** Runs an action on the tokens file; a bad file or setting is one line and exit 2. */
  private static int run(String what, Callable<Integer> action) throws Exception {
    try {
      return action.call();
    } catch (SettingsException | IllegalArgumentException e) {
      System.err.println("vmha token " + what + ": " + e.getMessage());
      return ExitCode.USAGE;
    }
  }

  @Command(name = "add", description = "Add a token with a new random secret, printed once (or written to"
      + " --secret-file); the tokens file keeps only a salted hash. Agents read the change within a second.")
  static final class Add implements Callable<Integer> {
    @Mixin Where where;

    @Option(names = "--name", required = true, description = "The token's name, recorded with every change it asks.")
    String name;

    @Option(names = "--role", required = true, description = "read (status, events), operator (also power VMs on and"
        + " off) or admin (everything).")
    String role;

    @Option(names = "--secret-file", description = "Write the secret to this file (mode 0600; the CLI's"
        + " VMHA_TOKEN_FILE or vmha.api.token-file) instead of printing it.")
    Path secretFile;

    @Override
    public Integer call() throws Exception {
      return run("add", () -> {
        ApiRole r = ApiRole.parse(role);
        Path file = where.file();
        String secret = TokenFiles.add(file, name, r);
        if (secretFile != null) {
          TokenFiles.writeSecret(secretFile, secret);
          System.out.println("token \"" + name + "\" (" + r.label() + ") added to " + file + "; its secret is in "
              + secretFile + " (VMHA_TOKEN_FILE=" + secretFile + ")");
        } else {
          System.err.println("token \"" + name + "\" (" + r.label() + ") added to " + file + "; its secret, shown"
              + " only now (VMHA_TOKEN=<secret>, or keep it in a 0600 file for VMHA_TOKEN_FILE):");
          System.out.println(secret);
        }
        return ExitCode.OK;
      });
    }
  }

  @Command(name = "list", description = "List the tokens' names and roles (never a secret: none is kept).")
  static final class List implements Callable<Integer> {
    @Mixin Where where;

    @Override
    public Integer call() throws Exception {
      return run("list", () -> {
        for (ApiTokens.Entry e : TokenFiles.load(where.file()).entries()) {
          System.out.println(e.name() + " " + e.role().label());
        }
        return ExitCode.OK;
      });
    }
  }

  @Command(name = "remove", description = "Revoke a token: agents refuse it within a second.")
  static final class Remove implements Callable<Integer> {
    @Mixin Where where;

    @Option(names = "--name", required = true)
    String name;

    @Override
    public Integer call() throws Exception {
      return run("remove", () -> {
        Path file = where.file();
        TokenFiles.remove(file, name);
        System.out.println("token \"" + name + "\" removed from " + file);
        return ExitCode.OK;
      });
    }
  }
}
